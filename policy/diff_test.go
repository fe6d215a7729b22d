package policy_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/cavra-dev/cavra/policy"
)

const diffBase = `{"format":"cavra.policy.v1",
 "packs":[{"id":"cavra-a","version":"1.0.0","title":"A"}],
 "filesystem":{"block_read":[".env","**/*.pem"],"block_write":[],"require_approval_write":["iam/**"]},
 "commands":{"block":["terraform apply*"],"require_approval":[],"allow":["terraform plan*"],"default":"require_approval"},
 "git":{"protected_branches":["main","master"],"block_force_push":true},
 "mcp":{"block_unknown_servers":true,"allowed_servers":[],"blocked_servers":[]},
 "rules":[{"id":"secrets.exfil","when":"x","decision":"block","severity":"critical","reason":"r"}],
 "extra":{"compliance":{"maps_to":["x"]}}}`

// diffEdit applies edit to a decoded copy of diffBase and returns the JSON.
func diffEdit(t *testing.T, edit func(doc map[string]any)) string {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal([]byte(diffBase), &doc); err != nil {
		t.Fatal(err)
	}
	edit(doc)
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func diffSection(doc map[string]any, name string) map[string]any {
	return doc[name].(map[string]any)
}

func TestDiff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		left  string
		right string
		edit  func(doc map[string]any) // applied to diffBase to build right when right is ""
		want  string                   // JSON array of changes
	}{
		{
			name: "identical",
			edit: func(map[string]any) {},
			want: `[]`,
		},
		{
			name:  "order of keys, scalar lists and keyed lists does not matter",
			left:  `{"a":{"x":1,"y":2},"l":["a","b","c"],"r":[{"id":"1","v":1},{"id":"2","v":2}]}`,
			right: `{"r":[{"v":2,"id":"2"},{"id":"1","v":1}],"l":["c","a","b","a"],"a":{"y":2,"x":1}}`,
			want:  `[]`,
		},
		{
			name:  "numbers compare by value",
			left:  `{"n":1,"l":[1,2.5],"o":{"k":100}}`,
			right: `{"n":1.0,"l":[2.50,1e0],"o":{"k":1e2}}`,
			want:  `[]`,
		},
		{
			name: "scalar list entries added and removed",
			edit: func(doc map[string]any) {
				diffSection(doc, "commands")["block"] = []any{"terraform destroy*", "rm -rf /*"}
			},
			want: `[{"kind":"added","path":"commands.block","entry":"rm -rf /*"},
			        {"kind":"removed","path":"commands.block","entry":"terraform apply*"},
			        {"kind":"added","path":"commands.block","entry":"terraform destroy*"}]`,
		},
		{
			name: "empty list gains entries",
			edit: func(doc map[string]any) {
				diffSection(doc, "mcp")["allowed_servers"] = []any{"github", "filesystem"}
			},
			want: `[{"kind":"added","path":"mcp.allowed_servers","entry":"filesystem"},
			        {"kind":"added","path":"mcp.allowed_servers","entry":"github"}]`,
		},
		{
			name: "scalar list emptied",
			edit: func(doc map[string]any) {
				diffSection(doc, "git")["protected_branches"] = []any{}
			},
			want: `[{"kind":"removed","path":"git.protected_branches","entry":"main"},
			        {"kind":"removed","path":"git.protected_branches","entry":"master"}]`,
		},
		{
			name: "scalars changed",
			edit: func(doc map[string]any) {
				diffSection(doc, "git")["block_force_push"] = false
				diffSection(doc, "commands")["default"] = "allow"
			},
			want: `[{"kind":"changed","path":"commands.default","from":"require_approval","to":"allow"},
			        {"kind":"changed","path":"git.block_force_push","from":true,"to":false}]`,
		},
		{
			name: "sections and keys added and removed",
			edit: func(doc map[string]any) {
				delete(doc, "mcp")
				doc["network"] = map[string]any{"block_egress": true}
				diffSection(doc, "git")["require_signed_commits"] = true
				delete(diffSection(doc, "filesystem"), "block_write")
			},
			want: `[{"kind":"removed","path":"filesystem.block_write","from":[]},
			        {"kind":"added","path":"git.require_signed_commits","to":true},
			        {"kind":"removed","path":"mcp","from":{"block_unknown_servers":true,"allowed_servers":[],"blocked_servers":[]}},
			        {"kind":"added","path":"network","to":{"block_egress":true}}]`,
		},
		{
			name: "nested objects recurse",
			edit: func(doc map[string]any) {
				diffSection(doc, "extra")["compliance"] = map[string]any{"maps_to": []any{"x", "soc2"}}
			},
			want: `[{"kind":"added","path":"extra.compliance.maps_to","entry":"soc2"}]`,
		},
		{
			name: "keyed list: element added and removed",
			edit: func(doc map[string]any) {
				doc["rules"] = []any{map[string]any{"id": "git.force", "decision": "block"}}
			},
			want: `[{"kind":"added","path":"rules","id":"git.force","to":{"id":"git.force","decision":"block"}},
			        {"kind":"removed","path":"rules","id":"secrets.exfil",
			         "from":{"id":"secrets.exfil","when":"x","decision":"block","severity":"critical","reason":"r"}}]`,
		},
		{
			name: "keyed list: one change per field",
			edit: func(doc map[string]any) {
				doc["rules"] = []any{map[string]any{"id": "secrets.exfil", "when": "x", "decision": "require_approval",
					"severity": "high", "tags": []any{"t"}}}
			},
			want: `[{"kind":"added","path":"rules","id":"secrets.exfil","field":"tags","to":["t"]},
			        {"kind":"changed","path":"rules","id":"secrets.exfil","field":"decision","from":"block","to":"require_approval"},
			        {"kind":"changed","path":"rules","id":"secrets.exfil","field":"severity","from":"critical","to":"high"},
			        {"kind":"removed","path":"rules","id":"secrets.exfil","field":"reason","from":"r"}]`,
		},
		{
			name: "pack version bump",
			edit: func(doc map[string]any) {
				doc["packs"].([]any)[0].(map[string]any)["version"] = "1.1.0"
			},
			want: `[{"kind":"changed","path":"packs","id":"cavra-a","field":"version","from":"1.0.0","to":"1.1.0"}]`,
		},
		{
			name:  "keyed field compared semantically",
			left:  `{"rules":[{"id":"a","tags":["x","y"],"n":1}]}`,
			right: `{"rules":[{"id":"a","tags":["y","x"],"n":1.0}]}`,
			want:  `[]`,
		},
		{
			name:  "empty list becomes keyed",
			left:  `{"rules":[]}`,
			right: `{"rules":[{"id":"b"},{"id":"a"}]}`,
			want: `[{"kind":"added","path":"rules","id":"a","to":{"id":"a"}},
			        {"kind":"added","path":"rules","id":"b","to":{"id":"b"}}]`,
		},
		{
			name:  "objects without id compared whole",
			left:  `{"l":[{"name":"a"}]}`,
			right: `{"l":[{"name":"b"}]}`,
			want:  `[{"kind":"changed","path":"l","from":[{"name":"a"}],"to":[{"name":"b"}]}]`,
		},
		{
			name:  "duplicate ids compared whole",
			left:  `{"l":[{"id":"a","v":1},{"id":"a","v":2}]}`,
			right: `{"l":[{"id":"a","v":1}]}`,
			want:  `[{"kind":"changed","path":"l","from":[{"id":"a","v":1},{"id":"a","v":2}],"to":[{"id":"a","v":1}]}]`,
		},
		{
			name:  "non-string id compared whole",
			left:  `{"l":[{"id":1}]}`,
			right: `{"l":[{"id":2}]}`,
			want:  `[{"kind":"changed","path":"l","from":[{"id":1}],"to":[{"id":2}]}]`,
		},
		{
			name:  "mixed list compared whole",
			left:  `{"l":["a",{"id":"x"}]}`,
			right: `{"l":["a",{"id":"y"}]}`,
			want:  `[{"kind":"changed","path":"l","from":["a",{"id":"x"}],"to":["a",{"id":"y"}]}]`,
		},
		{
			name:  "lists of lists compare in order, inner scalar lists as sets",
			left:  `{"l":[[1,2],[3]]}`,
			right: `{"l":[[2,1],[3]]}`,
			want:  `[]`,
		},
		{
			name:  "scalar list becomes keyed list",
			left:  `{"packs":["a"]}`,
			right: `{"packs":[{"id":"a"}]}`,
			want:  `[{"kind":"changed","path":"packs","from":["a"],"to":[{"id":"a"}]}]`,
		},
		{
			name:  "type changes",
			left:  `{"a":"x","b":{"k":1},"c":[1],"d":null}`,
			right: `{"a":["x"],"b":"k","c":{"0":1},"d":false}`,
			want: `[{"kind":"changed","path":"a","from":"x","to":["x"]},
			        {"kind":"changed","path":"b","from":{"k":1},"to":"k"},
			        {"kind":"changed","path":"c","from":[1],"to":{"0":1}},
			        {"kind":"changed","path":"d","to":false}]`,
		},
		{
			name:  "mixed scalar kinds in a set",
			left:  `{"l":["1",1,true,null]}`,
			right: `{"l":["1",2,true]}`,
			want: `[{"kind":"removed","path":"l"},
			        {"kind":"removed","path":"l","entry":1},
			        {"kind":"added","path":"l","entry":2}]`,
		},
		{
			name:  "awkward keys are quoted",
			left:  `{"fs":{"a.b":1,"":2}}`,
			right: `{"fs":{"a.b":3,"":2,"c[0]":4}}`,
			want: `[{"kind":"changed","path":"fs[\"a.b\"]","from":1,"to":3},
			        {"kind":"added","path":"fs[\"c[0]\"]","to":4}]`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			left, right := tt.left, tt.right
			if tt.edit != nil {
				left, right = diffBase, diffEdit(t, tt.edit)
			}
			got, err := policy.Diff([]byte(left), []byte(right))
			if err != nil {
				t.Fatal(err)
			}
			gotJSON, err := json.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			if string(gotJSON) == "null" {
				gotJSON = []byte("[]")
			}
			var g, w any
			if err := json.Unmarshal(gotJSON, &g); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(tt.want), &w); err != nil {
				t.Fatalf("bad want: %v", err)
			}
			if !reflect.DeepEqual(g, w) {
				t.Fatalf("Diff =\n%s\nwant\n%s", gotJSON, tt.want)
			}

			// Swapping sides swaps added/removed and from/to.
			back, err := policy.Diff([]byte(right), []byte(left))
			if err != nil {
				t.Fatal(err)
			}
			if len(back) != len(got) {
				t.Fatalf("reverse diff has %d changes, forward %d", len(back), len(got))
			}
		})
	}
}

func TestDiffErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		left, right string
		want        string
	}{
		{"invalid left", `{"a":`, `{}`, "left: invalid JSON"},
		{"invalid right", `{}`, `{"a":1,}`, "right: invalid JSON"},
		{"empty left", ``, `{}`, "left: empty document"},
		{"array right", `{}`, `[]`, "right: policy document is a JSON array, not an object"},
		{"null left", `null`, `{}`, "left: policy document is a JSON null"},
		{"trailing data", `{}`, `{} {}`, "right: invalid JSON: data after the document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := policy.Diff([]byte(tt.left), []byte(tt.right))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func FuzzDiff(f *testing.F) {
	f.Add([]byte(diffBase), []byte(`{"rules":[{"id":"a"}],"l":[1,"x",null]}`))
	f.Add([]byte(`{"a":[{"id":"x","v":[1]}]}`), []byte(`{"a":[{"id":"x","v":[1.0]}]}`))
	f.Fuzz(func(t *testing.T, left, right []byte) {
		changes, err := policy.Diff(left, right)
		if err != nil {
			return
		}
		self, err := policy.Diff(left, left)
		if err != nil {
			t.Fatalf("left parsed once but not twice: %v", err)
		}
		if len(self) != 0 {
			t.Fatalf("document differs from itself: %v", self)
		}
		for _, c := range changes {
			if c.Kind != "added" && c.Kind != "removed" && c.Kind != "changed" {
				t.Fatalf("bad kind %q", c.Kind)
			}
		}
	})
}

func ExampleDiff() {
	before := []byte(`{
	  "commands": {"block": ["rm -rf /*"], "default": "allow"},
	  "rules": [{"id": "secrets.exfil", "decision": "require_approval"}]
	}`)
	after := []byte(`{
	  "commands": {"block": ["terraform apply*", "rm -rf /*"], "default": "require_approval"},
	  "rules": [
	    {"id": "git.force_push", "decision": "block"},
	    {"id": "secrets.exfil", "decision": "block"}
	  ]
	}`)
	changes, err := policy.Diff(before, after)
	if err != nil {
		panic(err)
	}
	for _, c := range changes {
		switch {
		case c.Field != "":
			fmt.Printf("%s %s[%s].%s: %v -> %v\n", c.Kind, c.Path, c.ID, c.Field, c.From, c.To)
		case c.ID != "":
			fmt.Printf("%s %s[%s]\n", c.Kind, c.Path, c.ID)
		case c.Entry != nil:
			fmt.Printf("%s %s: %q\n", c.Kind, c.Path, c.Entry)
		default:
			fmt.Printf("%s %s: %v -> %v\n", c.Kind, c.Path, c.From, c.To)
		}
	}
	// Output:
	// added commands.block: "terraform apply*"
	// changed commands.default: allow -> require_approval
	// added rules[git.force_push]
	// changed rules[secrets.exfil].decision: require_approval -> block
}
