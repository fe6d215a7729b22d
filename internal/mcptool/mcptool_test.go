package mcptool

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseName(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		kind Kind
		verb string
	}{
		{"list_issues", Read, "list"},
		{"getIssueDetails", Read, "get"},
		{"search-files", Read, "search"},
		{"get_merge_request", Read, "get"}, // "merge" is its object
		{"merge_merge_request", Write, "merge"},
		{"create_issue", Write, "create"},
		{"comment", Write, "comment"},
		{"browser_navigate", Read, "navigate"},
		{"delete_issue", Delete, "delete"},
		{"list_and_delete", Delete, "delete"}, // a later delete raises it
		{"drop_table", Delete, "drop"},
		{"run_command", Exec, "run"},
		{"run_query", Read, "run"}, // the statement decides
		{"execute_sql", Read, "execute"},
		{"open", Exec, "open"},
		{"open_file", Read, "open"},
		{"open_pull_request", Write, "open"},
		{"frobnicate", Unknown, ""},
		{"", Unknown, ""},
	} {
		n := ParseName(tt.name)
		if n.Kind != tt.kind || n.Verb != tt.verb {
			t.Errorf("%q: %s (%q), want %s (%q)", tt.name, n.Kind, n.Verb, tt.kind, tt.verb)
		}
	}
	if !ParseName("terminate_instances").Irreversible || ParseName("delete_pod").Irreversible {
		t.Error("irreversible verbs")
	}
}

func TestWords(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][]string{
		"getIssue": {"get", "issue"}, "get_issue": {"get", "issue"}, "Get.Issue": {"get", "issue"},
		"HTTPServer": {"http", "server"}, "read2File": {"read2", "file"}, "--": nil,
	} {
		if got := Words(in); !reflect.DeepEqual(got, want) {
			t.Errorf("Words(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReadCall(t *testing.T) {
	t.Parallel()
	roles := func(c Call) map[string]Role {
		m := map[string]Role{}
		for _, a := range c.Args {
			m[a.Key] = a.Role
		}
		return m
	}
	c := ReadCall("filesystem", "move_file", map[string]any{"source": "a", "destination": "b"})
	if !c.Local || !reflect.DeepEqual(roles(c), map[string]Role{"source": Source, "destination": Destination}) {
		t.Errorf("move_file: %+v", c)
	}
	c = ReadCall("github", "get_file_contents", map[string]any{"owner": "o", "repo": "r", "path": ".env"})
	if c.Local || !c.Remote {
		t.Errorf("a repository's path is not local: %+v", c)
	}
	c = ReadCall("shell", "run", map[string]any{"command": "rm", "args": []any{"-rf", "/"}, "cwd": "/"})
	r := roles(c)
	if r["command"] != Command || r["cwd"] != Dir || c.Args[len(c.Args)-1].Value != "rm -rf /" && !hasValue(c, "rm -rf /") {
		t.Errorf("run: %+v", c)
	}
	c = ReadCall("linear", "search_issues", map[string]any{"query": "login bug"})
	if len(c.Args) != 0 {
		t.Errorf("a search query is not SQL: %+v", c)
	}
	c = ReadCall("postgres", "query", map[string]any{"query": "select 1"})
	if roles(c)["query"] != SQL {
		t.Errorf("a database's query is SQL: %+v", c)
	}
	c = ReadCall("notes", "read_page", map[string]any{"path": "/home/dev/.ssh/id_rsa"})
	if !c.Local {
		t.Errorf("an absolute path is this machine's: %+v", c)
	}
	c = ReadCall("browser", "navigate", map[string]any{"url": "file:///etc/passwd"})
	if roles(c)["url"] != URL {
		t.Errorf("a browser's file: URL is a URL: %+v", c)
	}
	c = ReadCall("filesystem", "read", map[string]any{"uri": "file:///etc/passwd"})
	if roles(c)["uri"] != Path {
		t.Errorf("a filesystem tool's file: URI is a path: %+v", c)
	}
}

func hasValue(c Call, v string) bool {
	for _, a := range c.Args {
		if a.Value == v {
			return true
		}
	}
	return false
}

func TestLooksSQL(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{"SELECT 1": true, " /* x */ drop table t": true, "-- c\nupdate t set a=1": true,
		"(select 1)": true, "login bug": false, "avg:system.cpu{env:prod}": false, "selection": false, "": false} {
		if LooksSQL(s) != want {
			t.Errorf("LooksSQL(%q) = %v", s, !want)
		}
	}
}

// FuzzReadCall: reading a call never panics, finds only string arguments
// that are there, with a role, and a command's argv only extends a
// command.
func FuzzReadCall(f *testing.F) {
	f.Add("filesystem", "read_file", "path", ".env", "x")
	f.Add("shell", "run_command", "command", "rm -rf /", "-f")
	f.Add("db", "query", "sql", "DROP TABLE users", "")
	f.Fuzz(func(t *testing.T, server, tool, key, value, argv string) {
		args := map[string]any{key: value, "nested": map[string]any{key: []any{value}}, "args": []any{argv}}
		c := ReadCall(server, tool, args)
		for _, a := range c.Args {
			if a.Role == 0 || strings.TrimSpace(a.Value) == "" {
				t.Fatalf("arg without role or value: %+v", a)
			}
			if a.Role != Command && a.Value != value {
				t.Fatalf("value %q is not an argument's (%q)", a.Value, value)
			}
			if a.Role == Command && !strings.HasPrefix(a.Value, value) {
				t.Fatalf("command %q does not start with the argument %q", a.Value, value)
			}
		}
		n := ParseName(tool)
		if n.Verb != "" && !n.Has(n.Verb) {
			t.Fatalf("verb %q not among the words %q", n.Verb, n.Words)
		}
		_ = LooksSQL(value)
	})
}
