package claudecode

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestJSONObjectKeepsOrderAndValues(t *testing.T) {
	t.Parallel()
	in := `{"z": 1.50, "a": {"y": [1, "<&>"], "b": null}, "m": "\u00e9"}`
	o, err := parseObject([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	o.set("new", json.RawMessage(`true`))
	o.set("z", json.RawMessage(`2`))
	o.del("m")
	got, err := o.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"z":2,"a":{"y":[1,"<&>"],"b":null},"new":true}`; string(got) != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	for _, bad := range []string{`[]`, `1`, `"x"`, `null`, `{"a":1}{}`, `{"a":1,}`, `{"a"}`} {
		if _, err := parseObject([]byte(bad)); err == nil {
			t.Errorf("parseObject accepted %s", bad)
		}
	}
	if o, err := parseObject([]byte(" \n")); err != nil || o.len() != 0 {
		t.Errorf("empty input: %v", err)
	}
}

func FuzzJSONObject(f *testing.F) {
	f.Add([]byte(existing))
	f.Add([]byte(existingMCP))
	f.Add([]byte(`{"a":1,"a":{"b":[]},"":"\ud800"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := parseObject(data)
		if err != nil {
			return
		}
		out, err := o.render()
		if err != nil {
			t.Fatalf("render: %v", err)
		}
		var want, got any
		if strings.TrimSpace(string(data)) == "" {
			want = map[string]any{}
		} else if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("parseObject accepted what json.Unmarshal refuses: %v", err)
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("render wrote invalid JSON: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(want, got) {
			t.Fatalf("render changed the meaning:\n%s\n%s", data, out)
		}
		again, err := parseObject(out)
		if err != nil {
			t.Fatal(err)
		}
		if twice, _ := again.render(); string(twice) != string(out) {
			t.Fatal("render is not stable")
		}
	})
}
