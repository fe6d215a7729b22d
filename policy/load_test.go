package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

const minimalYAML = `metadata: {id: cavra-min, title: Min, description: Minimal., version: 1.0.0}
filesystem:
  block_read: [.env]
commands:
  allow: [go test*]
`

const minimalJSON = `{"metadata": {"id": "cavra-min", "title": "Min", "description": "Minimal.", "version": "1.0.0"},
 "filesystem": {"block_read": [".env"]},
 "commands": {"allow": ["go test*"]}}`

func TestParseFormats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, src string
	}{
		{"yaml", "p.yaml", minimalYAML},
		{"yml", "p.yml", minimalYAML},
		{"json", "p.json", minimalJSON},
		{"upper-case json", "P.JSON", minimalJSON},
		{"json read as yaml", "p.yaml", minimalJSON},
	}
	var digests []string
	for _, tt := range tests {
		p, err := Parse(tt.file, []byte(tt.src))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if p.ID() != "cavra-min" || p.Source != tt.file {
			t.Errorf("%s: id %q source %q", tt.name, p.ID(), p.Source)
		}
		if len(p.Filesystem.BlockRead) != 1 || p.Filesystem.BlockRead[0].Pattern != ".env" ||
			len(p.Commands.Allow) != 1 || p.Commands.Allow[0].Pattern != "go test*" {
			t.Errorf("%s: lists not decoded: %+v %+v", tt.name, p.Filesystem, p.Commands)
		}
		set, err := CompilePack(p)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		digests = append(digests, set.Digest())
	}
	// The compiled document does not depend on the file's format.
	for _, d := range digests[1:] {
		if d != digests[0] {
			t.Errorf("digests differ across formats: %v", digests)
		}
	}
	// YAML is not accepted under a .json name.
	if _, err := Parse("p.json", []byte(minimalYAML)); err == nil || !strings.Contains(err.Error(), "invalid JSON") {
		t.Errorf("YAML under a .json name: err = %v, want invalid JSON", err)
	}
}

func TestEntryForms(t *testing.T) {
	t.Parallel()
	p, err := Parse("p.yaml", []byte(`metadata: {id: cavra-x, title: X, description: X., version: "1", inherits: cavra-y}
filesystem:
  block_read:
    - .env
    - {pattern: "*.pem", severity: critical, reason: Keys stay here., approver_group: Security}
`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{{Pattern: ".env"}, {Pattern: "*.pem", Severity: "critical", Reason: "Keys stay here.", ApproverGroup: "Security"}}
	if !reflect.DeepEqual(p.Filesystem.BlockRead, want) {
		t.Errorf("entries = %+v, want %+v", p.Filesystem.BlockRead, want)
	}
	if !reflect.DeepEqual([]string(p.Metadata.Inherits), []string{"cavra-y"}) {
		t.Errorf("a string inherits = %v, want [cavra-y]", p.Metadata.Inherits)
	}
	if _, err := CompilePack(p); err == nil || !strings.Contains(err.Error(), "Library") {
		t.Errorf("CompilePack of a pack with parents: err = %v, want advice to use a Library", err)
	}
}

func TestAddDir(t *testing.T) {
	t.Parallel()
	lib := NewLibrary()
	if err := lib.AddDir("testdata/original"); err != nil {
		t.Fatal(err)
	}
	want := []string{"cavra-agentic-delivery", "cavra-ai-agent-baseline", "cavra-github-enterprise",
		"cavra-mcp-enterprise", "cavra-owasp-llm-agentic", "cavra-terraform-prod"}
	if got := lib.IDs(); !reflect.DeepEqual(got, want) {
		t.Errorf("IDs = %v, want %v (community/ has no policy.yaml and must be skipped)", got, want)
	}
	p, err := lib.Get("cavra-github-enterprise")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lib.Get("cavra-nope"); err == nil || !strings.Contains(err.Error(), "unknown pack") {
		t.Errorf("Get of an unknown id: %v", err)
	}
	if wantSrc := filepath.Join("testdata", "original", "cavra-github-enterprise", "policy.yaml"); p.Source != wantSrc {
		t.Errorf("Source = %q, want the file on disk %q", p.Source, wantSrc)
	}
	if err := NewLibrary().AddDir("testdata/does-not-exist"); err == nil {
		t.Error("AddDir of a missing directory succeeded")
	}
	// A broken pack in the directory is an error naming its file.
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "cavra-broken"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cavra-broken", "policy.yaml"), []byte("metadata: {id: nope}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = NewLibrary().AddDir(dir)
	var pe *Error
	if !errors.As(err, &pe) || !strings.HasSuffix(pe.File, filepath.Join("cavra-broken", "policy.yaml")) {
		t.Errorf("AddDir with a broken pack: %v, want *Error naming cavra-broken/policy.yaml", err)
	}
}

func TestAddFS(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"cavra-min/policy.yaml":    {Data: []byte(minimalYAML)},
		"cavra-j/policy.json":      {Data: []byte(strings.ReplaceAll(minimalJSON, "cavra-min", "cavra-j"))},
		"cavra-yml/policy.yml":     {Data: []byte(strings.ReplaceAll(minimalYAML, "cavra-min", "cavra-yml"))},
		"notes/README.md":          {Data: []byte("not a pack")},
		"loose.yaml":               {Data: []byte(minimalYAML)},
		"cavra-deep/x/policy.yaml": {Data: []byte("not looked at")},
	}
	lib := NewLibrary()
	if err := lib.AddFS(fsys); err != nil {
		t.Fatal(err)
	}
	if got, want := lib.IDs(), []string{"cavra-j", "cavra-min", "cavra-yml"}; !reflect.DeepEqual(got, want) {
		t.Errorf("IDs = %v, want %v", got, want)
	}
	// Packs from an FS are parsed when first used; errors name the file inside the FS.
	bad := fstest.MapFS{"cavra-bad/policy.yaml": {Data: []byte("metadata: {}\n")}}
	badLib := NewLibrary()
	if err := badLib.AddFS(bad); err != nil {
		t.Fatal(err)
	}
	_, err := badLib.Get("cavra-bad")
	var pe *Error
	if !errors.As(err, &pe) || pe.File != "cavra-bad/policy.yaml" || pe.Pointer != "/metadata" {
		t.Errorf("Get of a bad pack: %#v, want *Error for cavra-bad/policy.yaml at /metadata", err)
	}
	if _, err := badLib.Compile("cavra-bad"); err == nil {
		t.Error("Compile of a bad pack succeeded")
	}
	// The directory name is the id; a pack file claiming another id is an error.
	liar := fstest.MapFS{"cavra-a/policy.yaml": {Data: []byte(minimalYAML)}}
	liarLib := NewLibrary()
	_ = liarLib.AddFS(liar)
	if _, err := liarLib.Get("cavra-a"); err == nil || !strings.Contains(err.Error(), "does not match its directory") {
		t.Errorf("mismatched id: %v", err)
	}
}

func TestLaterPackReplacesEarlier(t *testing.T) {
	t.Parallel()
	lib, err := DefaultLibrary()
	if err != nil {
		t.Fatal(err)
	}
	override := strings.Replace(minimalYAML, "cavra-min", DefaultPack, 1)
	if err := lib.AddFS(fstest.MapFS{DefaultPack + "/policy.yaml": {Data: []byte(override)}}); err != nil {
		t.Fatal(err)
	}
	p, _ := lib.Get(DefaultPack)
	if p.Metadata.Title != "Min" {
		t.Errorf("a user's pack did not replace the bundled one: %q", p.Metadata.Title)
	}
}

func TestLoadPathAndResolve(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("testdata", "original", "cavra-github-enterprise")
	for _, ref := range []string{dir, filepath.Join(dir, "policy.yaml")} {
		p, err := LoadPath(ref)
		if err != nil || p.ID() != "cavra-github-enterprise" {
			t.Errorf("LoadPath(%q) = %v, %v", ref, p, err)
		}
	}
	if _, err := LoadPath(filepath.Join("testdata", "original", "community")); err == nil || !strings.Contains(err.Error(), "no policy.yaml") {
		t.Errorf("LoadPath of a directory without a pack: %v", err)
	}

	lib := NewLibrary()
	if _, err := lib.Resolve("cavra-nope"); err == nil || !strings.Contains(err.Error(), `unknown pack "cavra-nope"`) {
		t.Errorf("Resolve of an unknown id: %v", err)
	}
	p, err := lib.Resolve(filepath.Join("testdata", "original", "cavra-terraform-prod"))
	if err != nil {
		t.Fatal(err)
	}
	if q, err := lib.Resolve(p.ID()); err != nil || q != p {
		t.Errorf("a resolved path is not in the library by id: %v", err)
	}
	if !IsPackID("cavra-ai-agent-baseline") || IsPackID("./cavra-x") || IsPackID("policy.yaml") || IsPackID("cavra-") {
		t.Error("IsPackID misclassifies")
	}
}

func inheritLibrary(t *testing.T, dirs ...string) *Library {
	t.Helper()
	lib := NewLibrary()
	for _, d := range dirs {
		if err := lib.AddDir(d); err != nil {
			t.Fatal(err)
		}
	}
	return lib
}

func TestInheritance(t *testing.T) {
	t.Parallel()
	lib := inheritLibrary(t, "testdata/inherit")
	chain, err := lib.Chain("cavra-child")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range chain {
		ids = append(ids, p.ID())
	}
	// Parents first, depth first, in inherits order, each pack once (base is reached twice).
	if want := []string{"cavra-base", "cavra-mid", "cavra-other", "cavra-child"}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("Chain = %v, want %v", ids, want)
	}

	set, err := lib.Compile("cavra-child")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Packs      []PackInfo `json:"packs"`
		Filesystem struct {
			BlockRead []string `json:"block_read"`
		} `json:"filesystem"`
		Commands struct {
			Block   []string `json:"block"`
			Default string   `json:"default"`
		} `json:"commands"`
		Rules []Rule `json:"rules"`
		Extra struct {
			Compliance struct {
				MapsTo []string `json:"maps_to"`
			} `json:"compliance"`
		} `json:"extra"`
	}
	if err := json.Unmarshal(set.Document(), &doc); err != nil {
		t.Fatal(err)
	}
	var packIDs []string
	for _, p := range doc.Packs {
		packIDs = append(packIDs, p.ID)
	}
	if !reflect.DeepEqual(packIDs, ids) || !reflect.DeepEqual(set.Packs(), doc.Packs) {
		t.Errorf("document packs = %v, want %v", packIDs, ids)
	}
	// List sections concatenate, de-duplicate and are sorted.
	if want := []string{"a.key", "b.key", "c.key", "d.key", "e.key"}; !reflect.DeepEqual(doc.Filesystem.BlockRead, want) {
		t.Errorf("block_read = %v, want %v", doc.Filesystem.BlockRead, want)
	}
	// Other lists concatenate and de-duplicate in inheritance order.
	if want := []string{"base", "mid", "other", "child"}; !reflect.DeepEqual(doc.Extra.Compliance.MapsTo, want) {
		t.Errorf("compliance.maps_to = %v, want %v", doc.Extra.Compliance.MapsTo, want)
	}
	// A later scalar replaces an earlier one.
	if doc.Commands.Default != "require_approval" || !reflect.DeepEqual(doc.Commands.Block, []string{"deploy prod*"}) {
		t.Errorf("commands = %+v", doc.Commands)
	}
	// A rule repeated unchanged is kept once.
	var ruleIDs []string
	for _, r := range doc.Rules {
		ruleIDs = append(ruleIDs, r.ID)
	}
	if want := []string{"base.secret", "child.tmp"}; !reflect.DeepEqual(ruleIDs, want) {
		t.Errorf("rules = %v, want %v", ruleIDs, want)
	}
	if set.Name() != "cavra-child" {
		t.Errorf("Name = %q", set.Name())
	}

	// The inherited pieces take effect.
	for _, tc := range []struct {
		typ, target, rule string
	}{
		{"read_file", "x/a.key", "filesystem.read.block"},
		{"read_file", "e.key", "filesystem.read.block"},
		{"read_file", "db.secret", "base.secret"},
		{"execute_command", "deploy prod now", "commands.block"},
		{"execute_command", "make build", "commands.default.require_approval"},
		{"write_file", "tmp/x", "child.tmp"},
	} {
		d := set.Evaluate(t.Context(), action(tc.typ, tc.target), testOpts)
		if d.RuleID != tc.rule {
			t.Errorf("%s %s: rule %s (%s), want %s", tc.typ, tc.target, d.RuleID, d.Reason, tc.rule)
		}
	}

	// Compile of the JSON child, and of two packs at once.
	js, err := lib.Compile("cavra-json")
	if err != nil {
		t.Fatal(err)
	}
	d := js.Evaluate(t.Context(), action("write_file", "vendor/x.lock"), testOpts)
	if d.Decision.String() != "block" || d.Severity.String() != "medium" || d.Reason != "Lock files are generated." {
		t.Errorf("object entry from a JSON pack: %s %s %q", d.Decision, d.Severity, d.Reason)
	}
	two, err := lib.Compile("cavra-json", "cavra-child")
	if err != nil {
		t.Fatal(err)
	}
	if two.Name() != "cavra-json,cavra-child" || len(two.Packs()) != 5 {
		t.Errorf("two refs: name %q, %d packs", two.Name(), len(two.Packs()))
	}
}

func TestInheritanceErrors(t *testing.T) {
	t.Parallel()
	lib := inheritLibrary(t, "testdata/inherit-bad")
	tests := []struct {
		id   string
		want []string
	}{
		{"cavra-orphan", []string{"cavra-orphan", `inherits "cavra-nowhere"`, "not loaded"}},
		{"cavra-cycle-a", []string{"inheritance cycle", "cavra-cycle-a -> cavra-cycle-b -> cavra-cycle-a"}},
		{"cavra-cycle-b", []string{"inheritance cycle", "cavra-cycle-b -> cavra-cycle-a -> cavra-cycle-b"}},
		{"cavra-self", []string{"inheritance cycle", "cavra-self -> cavra-self"}},
		{"cavra-rule-child", []string{"shared.rule", "cavra-rule-parent", "not change inherited ones"}},
		{"cavra-missing", []string{`unknown pack "cavra-missing"`}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			t.Parallel()
			_, err := lib.Compile(tt.id)
			if err == nil {
				t.Fatal("Compile succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	var pe *Error
	_, err := lib.Compile("cavra-rule-child")
	if !errors.As(err, &pe) || pe.Rule != "shared.rule" || !strings.HasSuffix(pe.File, filepath.Join("cavra-rule-child", "policy.yaml")) {
		t.Errorf("changed inherited rule: %#v, want *Error naming the child's file and the rule", err)
	}
}

func TestInvalidPacks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file    string
		compile bool // the error comes from compiling, not parsing
		pointer string
		rule    string
		line    int
		column  int
		msg     []string
	}{
		{file: "schema-number.yaml", pointer: "/filesystem/block_read/0", msg: []string{"oneOf"}},
		{file: "bad-id.yaml", pointer: "/metadata/id", msg: []string{"baseline", "^cavra-[a-z0-9-]+$"}},
		{file: "missing-metadata.yaml", pointer: "/", msg: []string{"missing property 'metadata'"}},
		{file: "unknown-filesystem-key.yaml", pointer: "/filesystem", msg: []string{"block_reads"}},
		{file: "entry-severity.yaml", pointer: "/filesystem/block_read/1/severity", msg: []string{"'low', 'medium', 'high', 'critical'"}},
		{file: "rule-decision.yaml", pointer: "/rules/0/decision", msg: []string{"'allow', 'require_approval', 'block'"}},
		{file: "rule-id.yaml", pointer: "/rules/0/id", msg: []string{"Bad Rule"}},
		{file: "commands-default.yaml", pointer: "/commands/default", msg: []string{"'allow', 'require_approval', 'block'"}},
		{file: "not-a-map.yaml", pointer: "/", msg: []string{"want object"}},
		{file: "bad-glob.yaml", pointer: "/filesystem/block_read/0", msg: []string{"secrets/[a-"}},
		{file: "alias.yaml", msg: []string{"aliases are not allowed"}},
		{file: "duplicate-rule.yaml", rule: "dup.rule", msg: []string{"defined twice"}},
		{file: "trailing.json", msg: []string{"trailing data"}},
		// CEL errors are placed in the file, with the file's line and a caret.
		{file: "cel-syntax.yaml", compile: true, rule: "secrets.broken", line: 4, column: 71,
			msg: []string{"Syntax error", `    when: 'action.type == "read_file" && action.target.glob("**/.env*"'`, "\n | " + strings.Repeat(".", 70) + "^"}},
		{file: "cel-multiline.yaml", compile: true, rule: "secrets.multiline", line: 6, column: 27,
			msg: []string{"undeclared reference to 'nope'", "\n |         action.target.nope(\"x\")\n | " + strings.Repeat(".", 26) + "^"}},
		{file: "cel-undeclared.yaml", compile: true, rule: "rule.undeclared", line: 4, column: 12,
			msg: []string{"undeclared reference to 'request'", "\n | " + strings.Repeat(".", 11) + "^"}},
		{file: "cel-nonbool.yaml", compile: true, rule: "rule.not.bool", line: 4, column: 12, msg: []string{"must be a bool", "string"}},
		{file: "cel-unknown-field.yaml", compile: true, rule: "typo.commands", line: 5, column: 13,
			msg: []string{"undefined field 'comands'", "\n |       action.comands.exists(c, c.name == \"rm\")\n | " + strings.Repeat(".", 12) + "^"}},
		{file: "cel-type-error.yaml", compile: true, rule: "typo.type", line: 4, column: 72,
			msg: []string{"no matching overload", "'_==_'"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join("testdata", "invalid", tt.file)
			p, err := LoadFile(path)
			if tt.compile {
				if err != nil {
					t.Fatalf("parse: %v", err)
				}
				_, err = CompilePack(p)
			}
			if err == nil {
				t.Fatal("no error")
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error is %T (%v), want *Error", err, err)
			}
			if pe.File != path || pe.Pointer != tt.pointer || pe.Rule != tt.rule || pe.Line != tt.line || pe.Column != tt.column {
				t.Errorf("got File %q Pointer %q Rule %q at %d:%d, want %q %q %q at %d:%d",
					pe.File, pe.Pointer, pe.Rule, pe.Line, pe.Column, path, tt.pointer, tt.rule, tt.line, tt.column)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, path+": ") {
				t.Errorf("message does not start with the file: %q", msg)
			}
			if tt.pointer != "" && !strings.Contains(msg, "at "+tt.pointer+":") {
				t.Errorf("message does not name the pointer: %q", msg)
			}
			if tt.rule != "" && !strings.Contains(msg, "rule "+tt.rule) {
				t.Errorf("message does not name the rule: %q", msg)
			}
			for _, w := range tt.msg {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not contain %q", msg, w)
				}
			}
		})
	}
}

func TestBreakGlassIsNotAStandingMode(t *testing.T) {
	t.Parallel()
	p, err := LoadFile("testdata/invalid/mode-break-glass.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CompilePack(p); err == nil || !strings.Contains(err.Error(), "break_glass") {
		t.Errorf("CompilePack = %v, want an error about break_glass", err)
	}
}

func TestExtraSectionsKept(t *testing.T) {
	t.Parallel()
	lib := inheritLibrary(t, "testdata/original")
	p, _ := lib.Get("cavra-agentic-delivery")
	raw := p.Raw()
	for _, k := range []string{"compliance", "approvals", "evidence", "git", "mcp"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("Raw lacks %s", k)
		}
	}
	ev := raw["evidence"].(map[string]any)
	if ev["require_branch_pattern"] != "agent/{role}/{issue-slug}" {
		t.Errorf("evidence.require_branch_pattern = %v", ev["require_branch_pattern"])
	}
	// Raw is a copy.
	ev["require_branch_pattern"] = "changed"
	if p.Raw()["evidence"].(map[string]any)["require_branch_pattern"] == "changed" {
		t.Error("Raw returned the pack's own map")
	}

	set, err := lib.Compile("cavra-agentic-delivery")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Git   map[string]any `json:"git"`
		MCP   map[string]any `json:"mcp"`
		Extra struct {
			Approvals  map[string]any `json:"approvals"`
			Evidence   map[string]any `json:"evidence"`
			Compliance struct {
				MapsTo []string `json:"maps_to"`
			} `json:"compliance"`
		} `json:"extra"`
	}
	if err := json.Unmarshal(set.Document(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Extra.Approvals["release_publication"] == nil || doc.Extra.Evidence["required_fields"] == nil {
		t.Errorf("approvals/evidence not kept under extra: %+v", doc.Extra)
	}
	// Inherited compliance lists concatenate — baseline's, github's, then the
	// pack's own — and the repeated "SOC 2 Change Management" is kept once.
	want := []string{"OWASP LLM Excessive Agency", "NIST SSDF PO.5", "SOC 2 Change Management", "NIST SSDF PO.3.2",
		"NIST SSDF RV.1.3", "ISO 27001 A.8.25", "EU AI Act Technical Documentation"}
	if m := doc.Extra.Compliance.MapsTo; !reflect.DeepEqual(m, want) {
		t.Errorf("compliance.maps_to = %q, want %q", m, want)
	}
	if doc.Git["require_pull_request"] != true || doc.Git["require_human_reviewer"] != true {
		t.Errorf("git flags not kept: %v", doc.Git)
	}
	if rs, _ := doc.MCP["risk_scoring"].(map[string]any); rs["shell"] != "critical" {
		t.Errorf("mcp.risk_scoring not kept: %v", doc.MCP)
	}
	// Tests and metadata are not part of the compiled policy.
	var top map[string]json.RawMessage
	if err := json.Unmarshal(set.Document(), &top); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"tests", "metadata", "approvals", "evidence", "compliance"} {
		if _, ok := top[k]; ok {
			t.Errorf("document has top-level %q", k)
		}
	}
	if string(top["mode"]) != `"enforce"` {
		t.Errorf("mode = %s", top["mode"])
	}
}

func TestDocumentIsCanonical(t *testing.T) {
	t.Parallel()
	a := `metadata: {id: cavra-c, title: C, description: D., version: "1"}
commands: {allow: [b*, a*], block: [x*]}
filesystem: {block_read: [z, y]}
`
	b := `# a comment and another key order
filesystem:
  block_read:
    - y
    - z
commands:
  block: ["x*"]
  allow: ["a*", "b*"]
metadata:
  version: "1"
  description: D.
  title: C
  id: cavra-c
`
	pa, err := Parse("a.yaml", []byte(a))
	if err != nil {
		t.Fatal(err)
	}
	pb, err := Parse("b.yaml", []byte(b))
	if err != nil {
		t.Fatal(err)
	}
	sa, err := CompilePack(pa)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := CompilePack(pb)
	if err != nil {
		t.Fatal(err)
	}
	if sa.Digest() != sb.Digest() || !bytes.Equal(sa.Document(), sb.Document()) {
		t.Errorf("equivalent packs compile differently:\n%s\n%s", sa.Document(), sb.Document())
	}
	if !strings.HasPrefix(sa.Digest(), "sha256:") || len(sa.Digest()) != 71 {
		t.Errorf("Digest = %q", sa.Digest())
	}
	doc := sa.Document()
	doc[0] = 'X'
	if sa.Document()[0] == 'X' {
		t.Error("Document returned the set's own bytes")
	}
	pc, _ := Parse("c.yaml", []byte(strings.Replace(a, "x*", "y*", 1)))
	sc, err := CompilePack(pc)
	if err != nil {
		t.Fatal(err)
	}
	if sc.Digest() == sa.Digest() {
		t.Error("a changed pattern did not change the digest")
	}
}

func TestHostileInput(t *testing.T) {
	t.Parallel()
	big := bytes.Repeat([]byte("# padding\n"), MaxPackSize/10+1)
	deepList := func(n int) []byte {
		return []byte("metadata: {id: cavra-x, title: X, description: X., version: '1'}\nx: " + strings.Repeat("[", n) + strings.Repeat("]", n) + "\n")
	}
	deepJSON := func(n int) []byte {
		return []byte(`{"metadata": {"id": "cavra-x", "title": "X", "description": "X.", "version": "1"}, "x": ` + strings.Repeat("[", n) + strings.Repeat("]", n) + "}")
	}
	var deepMap strings.Builder
	deepMap.WriteString("metadata: {id: cavra-x, title: X, description: X., version: '1'}\nx:\n")
	for i := range 100 {
		deepMap.WriteString(strings.Repeat("  ", i+1) + "k:\n")
	}
	laughs := `metadata: {id: cavra-x, title: X, description: X., version: '1'}
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: [*d,*d,*d,*d,*d,*d,*d,*d,*d]
`
	tests := []struct {
		name string
		file string
		data []byte
		want string
	}{
		{"over 2 MiB", "p.yaml", big, "larger than"},
		{"10 MB", "p.json", bytes.Repeat([]byte(" "), 10<<20), "larger than"},
		{"10,000 nested lists", "p.yaml", deepList(10_000), ""},
		{"100,000 nested lists", "p.yaml", deepList(100_000), ""},
		{"10,000 nested JSON lists", "p.json", deepJSON(10_000), ""},
		{"100,000 nested JSON lists", "p.json", deepJSON(100_000), ""},
		{"33 nested lists", "p.yaml", deepList(33), "deeper than"},
		{"100 nested maps", "p.yaml", []byte(deepMap.String()), "deeper than"},
		{"billion laughs", "p.yaml", []byte(laughs), "aliases"},
		{"empty", "p.yaml", nil, "empty"},
		{"only a comment", "p.yaml", []byte("# nothing\n"), "empty pack"},
		{"binary", "p.yaml", []byte{0xff, 0xfe, 0, 1, 2}, "invalid YAML"},
		{"non-string key", "p.yaml", []byte("metadata: {id: cavra-x}\n? [a, b]\n: c\n"), "invalid map key"},
		{"timestamp value", "p.yaml", []byte("metadata: {id: cavra-x, title: 2001-12-14t21:59:43.10-05:00, description: d, version: 1}\n"), "at /metadata/version: got number, want string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := Parse(tt.file, tt.data)
			if err == nil {
				t.Fatalf("Parse succeeded: %+v", p)
			}
			var pe *Error
			if !errors.As(err, &pe) || pe.File != tt.file {
				t.Errorf("error %T %v is not an *Error naming the file", err, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}

	// LoadFile refuses a big file by its size, before reading it.
	path := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(path, big, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadFile(path); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("LoadFile of a big pack: %v", err)
	}
}
