package yamljson

import (
	"errors"
	"reflect"
	"testing"
)

func TestDecode(t *testing.T) {
	t.Parallel()
	v, err := Decode([]byte("a: [1, {b: x}]\nwhen: 2024-01-02\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"a": []any{1, map[string]any{"b": "x"}}, "when": "2024-01-02 00:00:00 +0000 UTC"}
	if !reflect.DeepEqual(v, want) {
		t.Fatalf("got %#v", v)
	}
	if _, err := Decode([]byte("a: &x [1]\nb: *x\n")); !errors.Is(err, ErrAlias) {
		t.Fatalf("alias: %v", err)
	}
	if _, err := Decode([]byte("")); !errors.Is(err, ErrEmpty) {
		t.Fatalf("empty: %v", err)
	}
	if _, err := Decode([]byte("1: x\n")); err == nil {
		t.Fatal("a non-string key was accepted")
	}
	if _, err := Decode([]byte("a: [")); err == nil {
		t.Fatal("invalid YAML was accepted")
	}
}
