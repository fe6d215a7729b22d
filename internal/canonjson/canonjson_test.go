package canonjson

import "testing"

func TestMarshalSortsKeysAndKeepsNumbers(t *testing.T) {
	t.Parallel()
	type inner struct {
		Z string `json:"z"`
		A int    `json:"a"`
	}
	got, err := Marshal(map[string]any{"b": []any{inner{Z: "<x>", A: 1}}, "a": 1.5})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"a":1.5,"b":[{"a":1,"z":"<x>"}]}`
	if string(got) != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestCanonicalizeRejectsTrailingData(t *testing.T) {
	t.Parallel()
	if _, err := Canonicalize([]byte(`{"a":1} {"b":2}`)); err == nil {
		t.Fatal("expected an error for trailing data")
	}
	got, err := Canonicalize([]byte(" { \"b\" : 1e3 , \"a\" : [ true , null ] } "))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != `{"a":[true,null],"b":1e3}` {
		t.Fatalf("got %s", got)
	}
}
