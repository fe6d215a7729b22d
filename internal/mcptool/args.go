package mcptool

import (
	"sort"
	"strconv"
	"strings"
)

// Role is what an argument is to the policy.
type Role uint8

// Roles of arguments.
const (
	Path        Role = iota + 1 // a path the tool reads, writes or deletes, as its verb says
	Source                      // a path the tool reads from (a move also removes it)
	Destination                 // a path the tool writes to
	Dir                         // the working directory of the command an exec tool runs
	Command                     // a shell command line
	Code                        // code in a language the policy does not read (script, function, expression)
	URL                         // a URL the tool contacts
	Host                        // a host the tool contacts
	SQL                         // a SQL statement
	Branch                      // a git branch the tool changes
)

func (r Role) String() string {
	return [...]string{"", "path", "source", "destination", "dir", "command", "code", "url", "host", "sql", "branch"}[r]
}

// Arg is one argument that is a fact.
type Arg struct {
	Key   string // where it is: "path", "paths[1]", "files[0].path"
	Role  Role
	Value string
}

// Limits of the walk over arguments: deeper or further values are not
// read (a call that needs them to be understood is asked about by its
// name).
const (
	maxDepth  = 4
	maxValues = 256
)

func keyWords(k string) string { return strings.Join(Words(k), "_") }

var pathKeys = set("path", "paths", "file", "files", "file_path", "file_paths", "filepath", "filepaths", "filename", "filenames",
	"file_name", "dir", "directory", "directories", "folder", "target_file", "notebook_path", "absolute_path", "relative_path",
	"root", "root_path", "dir_path", "directory_path", "folder_path", "location", "pathname")
var sourceKeys = set("source", "src", "source_path", "src_path", "from_path", "old_path", "source_file", "input_path", "input_file")
var destKeys = set("destination", "dest", "dst", "destination_path", "dest_path", "target_path", "to_path", "new_path",
	"output", "output_path", "output_file", "out", "save_path", "save_to", "download_path", "output_dir", "destination_file")
var dirKeys = set("cwd", "working_directory", "workdir", "work_dir", "working_dir")
var commandKeys = set("command", "cmd", "commands", "command_line", "commandline", "shell_command", "bash", "sh", "shell")
var codeKeys = set("script", "code", "source_code", "javascript", "js", "function", "expression", "python", "program", "snippet", "content_script")
var urlKeys = set("url", "urls", "uri", "uris", "link", "href", "endpoint", "webhook")
var hostKeys = set("host", "hostname", "ip", "ip_address")
var sqlKeys = set("sql", "sql_query", "raw_sql")
var queryKeys = set("query", "queries", "statement", "statements", "stmt")
var branchKeys = set("branch", "ref", "branch_name")
var argvKeys = set("args", "arguments", "argv")

// remoteKeys locate what a call works on somewhere else: paths next to
// them are in a repository, a bucket or a drive, not on this machine.
var remoteKeys = set("repo", "repository", "repo_name", "repository_name", "owner", "org", "organization", "bucket", "bucket_name",
	"project", "project_id", "project_path", "drive_id", "site_id", "share", "remote", "container", "space_key", "workspace_id")

// fsNouns name files in a tool's or server's name: such tools work on the
// machine's files.
var fsNouns = set("file", "files", "dir", "dirs", "directory", "directories", "folder", "folders", "path", "paths", "fs",
	"filesystem", "tree", "text", "notebook")

// shellNouns name shells: a script argument of such a tool is shell.
var shellNouns = set("shell", "bash", "sh", "zsh", "terminal", "command", "commands", "cmd", "exec", "console", "powershell", "process")

// dbNouns name databases: a query argument of such a tool is SQL.
var dbNouns = set("sql", "db", "database", "databases", "postgres", "postgresql", "pg", "mysql", "mariadb", "sqlite", "mssql",
	"sqlserver", "oracle", "clickhouse", "snowflake", "bigquery", "redshift", "duckdb", "supabase", "neon", "cockroach",
	"cockroachdb", "planetscale", "turso", "table", "tables")

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

func anyWord(words []string, m map[string]bool) bool {
	for _, w := range words {
		if m[w] {
			return true
		}
	}
	return false
}

// Call is an MCP call as this package reads it.
type Call struct {
	Name Name
	Args []Arg
	// Local: the paths are this machine's (a filesystem-style tool or
	// server, or absolute paths, and nothing that locates them in a
	// repository, bucket or drive elsewhere).
	Local bool
	// Remote: an argument locates the call's object elsewhere (repo,
	// bucket, project…).
	Remote bool
}

// ReadCall reads a call: the tool's name and the arguments that are facts.
func ReadCall(server, tool string, args map[string]any) Call {
	return ReadCallWith(server, tool, args, Hints{})
}

// ReadCallWith is ReadCall with what the server says of its tool (Hints):
// a role given for an argument's name replaces what its name would make
// it, and a Local server's paths are this machine's.
func ReadCallWith(server, tool string, args map[string]any, h Hints) Call {
	c := Call{Name: ParseName(tool)}
	sw := Words(server)
	fs := anyWord(c.Name.Words, fsNouns) || anyWord(sw, fsNouns)
	shellish := c.Name.Kind == Exec || anyWord(c.Name.Words, shellNouns) || anyWord(sw, shellNouns)
	db := anyWord(c.Name.Words, dbNouns) || anyWord(sw, dbNouns)
	for k := range args {
		if remoteKeys[keyWords(k)] {
			c.Remote = true
		}
	}
	w := walker{fs: fs, shell: shellish, db: db, call: &c, roles: h.Roles}
	w.object("", args, 0)
	// A command given as a program and its arguments.
	c.Args = joinArgv(c.Args, args)
	if h.Local {
		// The server says its paths are this machine's (a server
		// guarded in process, with a root).
		c.Remote, c.Local = false, true
		return c
	}
	c.Local = !c.Remote
	if c.Local && !fs {
		// A tool that says nothing of files: its paths are this
		// machine's only when they are written as such.
		c.Local = false
		for _, a := range c.Args {
			if isPathRole(a.Role) && looksLocal(a.Value) {
				c.Local = true
			}
		}
	}
	return c
}

func isPathRole(r Role) bool { return r == Path || r == Source || r == Destination }

// looksLocal: an absolute, home-relative, dot-relative or file:// path.
func looksLocal(p string) bool {
	return strings.HasPrefix(p, "/") || strings.HasPrefix(p, "~") || strings.HasPrefix(p, "./") || strings.HasPrefix(p, "../") ||
		strings.HasPrefix(strings.ToLower(p), "file:") || p == "." || p == ".."
}

type walker struct {
	fs, shell, db bool
	call          *Call
	n             int
	roles         map[string]Role // by argument name (Hints.Roles)
}

func (w *walker) object(prefix string, m map[string]any, depth int) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		w.value(key, keyWords(k), m[k], depth, w.roles[k])
	}
}

// value reads one argument; forced, when not 0, is its role by Hints.
func (w *walker) value(key, kw string, v any, depth int, forced Role) {
	if depth > maxDepth || w.n >= maxValues {
		return
	}
	switch x := v.(type) {
	case string:
		w.n++
		r := forced
		switch {
		case r == 0:
			r = w.role(kw, x)
		case r == URL && strings.HasPrefix(strings.ToLower(strings.TrimSpace(x)), "file:"):
			// A file: URL names a file on this machine, whatever the
			// argument is said to be.
			r = Path
		}
		if r != 0 && strings.TrimSpace(x) != "" {
			w.call.Args = append(w.call.Args, Arg{Key: key, Role: r, Value: x})
		}
	case []any:
		for i, e := range x {
			w.value(key+"["+strconv.Itoa(i)+"]", kw, e, depth+1, forced)
		}
	case []string:
		for i, e := range x {
			w.value(key+"["+strconv.Itoa(i)+"]", kw, e, depth+1, forced)
		}
	case map[string]any:
		w.object(key, x, depth+1)
	}
}

// role is what a string argument with key words kw is.
func (w *walker) role(kw, v string) Role {
	low := strings.ToLower(strings.TrimSpace(v))
	words := strings.Split(kw, "_")
	last := words[len(words)-1]
	switch {
	case dirKeys[kw] && w.call.Name.Kind == Exec:
		return Dir
	case (urlKeys[kw] || last == "url" || last == "uri") && strings.HasPrefix(low, "file:") && w.fs:
		// A filesystem tool's file: URI names a file; anyone else's is a
		// URL, judged as a fetch of it is.
		return Path
	case urlKeys[kw] || last == "url" || last == "uri":
		return URL
	case hostKeys[kw]:
		return Host
	case sourceKeys[kw]:
		return Source
	case destKeys[kw]:
		return Destination
	case pathKeys[kw] || dirKeys[kw]:
		return Path
	case commandKeys[kw]:
		return Command
	case codeKeys[kw] && w.shell && !w.db:
		return Command
	case codeKeys[kw]:
		return Code
	case sqlKeys[kw] || last == "sql":
		return SQL
	case queryKeys[kw] && (w.db || LooksSQL(v)):
		return SQL
	case branchKeys[kw]:
		return Branch
	}
	return 0
}

// joinArgv appends a call's argv ("args": ["-rf", "/"]) to its command
// when the command is a bare program name, so that the analysis sees the
// whole command line.
func joinArgv(out []Arg, args map[string]any) []Arg {
	var argv []string
	for k, v := range args {
		if !argvKeys[keyWords(k)] {
			continue
		}
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				if s, ok := e.(string); ok {
					argv = append(argv, s)
				}
			}
		case []string:
			argv = append(argv, x...)
		case string:
			argv = append(argv, x)
		}
	}
	if len(argv) == 0 {
		return out
	}
	for i := range out {
		if out[i].Role == Command && !strings.Contains(out[i].Key, ".") && !strings.Contains(out[i].Key, "[") {
			for _, a := range argv {
				out[i].Value += " " + ShellQuote(a)
			}
			return out
		}
	}
	return out
}

// ShellQuote quotes s for a POSIX shell.
func ShellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:@,+%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// sqlStarts are the words SQL statements begin with.
var sqlStarts = set("select", "with", "insert", "update", "delete", "drop", "truncate", "alter", "create", "grant", "revoke",
	"merge", "replace", "call", "exec", "execute", "copy", "set", "show", "explain", "describe", "desc", "begin", "commit",
	"rollback", "vacuum", "analyze", "reindex", "cluster", "lock", "do", "values", "table", "upsert", "rename", "comment", "use", "pragma", "attach", "detach", "load", "unload", "refresh", "undrop")

// LooksSQL reports whether text begins, after white space, comments and
// opening parentheses, with a word SQL statements begin with.
func LooksSQL(s string) bool {
	s = strings.TrimSpace(s)
	for {
		switch {
		case strings.HasPrefix(s, "--"):
			i := strings.IndexByte(s, '\n')
			if i < 0 {
				return false
			}
			s = strings.TrimSpace(s[i+1:])
		case strings.HasPrefix(s, "/*"):
			i := strings.Index(s, "*/")
			if i < 0 {
				return false
			}
			s = strings.TrimSpace(s[i+2:])
		case strings.HasPrefix(s, "("):
			s = strings.TrimSpace(s[1:])
		default:
			end := strings.IndexFunc(s, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') })
			if end < 0 {
				end = len(s)
			}
			return end > 0 && sqlStarts[strings.ToLower(s[:end])] && (end == len(s) || !isIdentByte(s[end]))
		}
	}
}

func isIdentByte(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

// Strings calls fn with every string value of the arguments (keys joined
// as in Arg.Key), within the walk's limits.
func Strings(args map[string]any, fn func(key, value string)) {
	n := 0
	var walk func(key string, v any, depth int)
	walk = func(key string, v any, depth int) {
		if depth > maxDepth || n >= maxValues {
			return
		}
		switch x := v.(type) {
		case string:
			n++
			fn(key, x)
		case []any:
			for i, e := range x {
				walk(key+"["+strconv.Itoa(i)+"]", e, depth+1)
			}
		case []string:
			for i, e := range x {
				walk(key+"["+strconv.Itoa(i)+"]", e, depth+1)
			}
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				kk := k
				if key != "" {
					kk = key + "." + k
				}
				walk(kk, x[k], depth+1)
			}
		}
	}
	walk("", args, -1)
}

// LastKey is the last key of an Arg.Key path, its words joined by "_":
// "files[0].filePath" → "file_path".
func LastKey(key string) string {
	if i := strings.LastIndexByte(key, '.'); i >= 0 {
		key = key[i+1:]
	}
	if i := strings.IndexByte(key, '['); i >= 0 {
		key = key[:i]
	}
	return keyWords(key)
}
