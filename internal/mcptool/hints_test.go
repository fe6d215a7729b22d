package mcptool

import (
	"reflect"
	"testing"
)

func TestRolesRoundTrip(t *testing.T) {
	t.Parallel()
	in := map[string]Role{"doc": Source, "out": Destination, "q": SQL, "bad=name": Path, "": URL, "cmd": Command}
	s := FormatRoles(in)
	if s != "cmd=command,doc=source,out=destination,q=sql" {
		t.Fatalf("FormatRoles: %q", s)
	}
	want := map[string]Role{"doc": Source, "out": Destination, "q": SQL, "cmd": Command}
	if got := ParseRoles(s); !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseRoles: %v", got)
	}
	if got := ParseRoles("a=read, b = write ,c=nope,d"); !reflect.DeepEqual(got, map[string]Role{"a": Source, "b": Destination}) {
		t.Fatalf("ParseRoles: %v", got)
	}
	if _, err := ParseRole("delete"); err == nil {
		t.Fatal("delete is not a role")
	}
}

func TestReadCallWithHints(t *testing.T) {
	t.Parallel()
	args := map[string]any{"doc": ".env", "docs": []any{"a.md", "b.md"}, "where": "file:///etc/passwd", "title": "x", "repo": "acme/app"}
	h := Hints{Roles: map[string]Role{"doc": Source, "docs": Path, "where": URL}, Local: true}
	c := ReadCallWith("notes", "summarize", args, h)
	got := map[string]Role{}
	for _, a := range c.Args {
		got[a.Key] = a.Role
	}
	want := map[string]Role{"doc": Source, "docs[0]": Path, "docs[1]": Path, "where": Path} // a file: URL is a path
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("roles %v, want %v", got, want)
	}
	if !c.Local || c.Remote {
		t.Fatalf("a Local hint: local=%v remote=%v", c.Local, c.Remote)
	}
	// Without hints the same call has no path facts and is remote.
	c = ReadCall("notes", "summarize", args)
	if len(c.Args) != 0 || c.Local {
		t.Fatalf("without hints: %+v", c)
	}
}

func TestKnown(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{"path": true, "filePath": true, "command": true, "webhook_url": true, "raw_sql": true, "target": false, "doc": false} {
		if Known(name) != want {
			t.Errorf("Known(%q) = %v", name, !want)
		}
	}
}
