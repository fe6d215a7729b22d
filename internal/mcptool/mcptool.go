// Package mcptool tells what an MCP tool call does from what it carries:
// the verb of the tool's name (get_issue reads, create_issue changes
// something, delete_issue destroys, run_command runs code) and the roles of
// its arguments (a path, a shell command, a URL, a SQL statement, code).
//
// It reads names and argument keys, never the server's behaviour: a server
// can call a destructive tool get_x. The policy treats what this package
// finds as facts to judge — a path argument is judged by the filesystem
// lists, a command argument by the shell analysis — and the name as the
// floor of the decision, never as a reason to allow what the facts forbid.
//
// Caveats: names in languages other than English, verbs glued to nouns
// without a separator or a case change ("getissue"), and argument keys no
// list here knows are not understood; the verdict for those is Unknown,
// which the policy asks about.
package mcptool

import (
	"strings"
	"unicode"
)

// Kind is what a tool does, judged by its name.
type Kind uint8

// Kinds, from least to most consequential (Unknown sits between Write and
// Delete: it is asked about, as a write is).
const (
	Unknown Kind = iota // the name holds no verb this package knows
	Read                // get, list, search, query, fetch…: reads
	Write               // create, update, send, post, merge, push…: changes something
	Delete              // delete, remove, drop, destroy, purge…: destroys something
	Exec                // exec, run_command, eval, shell…: runs a command or code
)

func (k Kind) String() string {
	switch k {
	case Read:
		return "read"
	case Write:
		return "write"
	case Delete:
		return "delete"
	case Exec:
		return "exec"
	}
	return "unknown"
}

// verbs maps the words tool names start with (after any namespace words,
// browser_navigate) to what they do.
var verbs = map[string]Kind{}

func init() {
	for k, words := range map[Kind][]string{
		Read: {"get", "list", "read", "search", "query", "fetch", "describe", "show", "view", "find", "lookup", "grep",
			"cat", "head", "tail", "stat", "inspect", "count", "check", "status", "info", "explain", "diff", "compare",
			"preview", "browse", "navigate", "visit", "snapshot", "screenshot", "download", "retrieve", "tree", "glob",
			"ls", "whoami", "ping", "wait", "summarize", "analyze", "analyse", "validate", "lint", "hover", "watch", "poll",
			"export", "filter", "scan", "access", "reveal", "decrypt", "dump", "peek", "print", "render", "estimate", "suggest"},
		Write: {"create", "update", "write", "edit", "set", "add", "send", "post", "comment", "upload", "move", "rename",
			"merge", "push", "put", "patch", "insert", "append", "replace", "save", "modify", "change", "assign",
			"close", "reopen", "approve", "publish", "deploy", "install", "enable", "disable", "start", "stop", "restart",
			"trigger", "dispatch", "schedule", "invite", "share", "fork", "copy", "mkdir", "link", "archive", "import",
			"sync", "apply", "commit", "tag", "label", "transition", "reply", "react", "star", "subscribe", "mark",
			"fill", "type", "click", "press", "submit", "drag", "upsert", "register", "release", "lock", "unlock",
			"mute", "pin", "unpin", "cancel", "respond", "review", "request", "notify", "message", "grant", "attach",
			"resolve", "complete", "rerun", "retry", "scale", "rollback", "restore", "promote", "duplicate", "clone",
			"generate", "make", "new", "store", "record", "log", "track", "book", "pay", "charge", "refund", "order",
			"mention", "open", "select", "upgrade", "configure", "connect", "init", "initialize", "provision", "sign"},
		Delete: {"delete", "remove", "drop", "destroy", "purge", "wipe", "truncate", "erase", "kill", "terminate",
			"revoke", "transfer", "unlink", "rmdir", "rm", "trash", "clear", "flush", "reset", "uninstall", "deprovision",
			"decommission", "nuke", "force", "teardown", "unpublish", "obliterate", "shred", "unregister", "deactivate",
			"discard", "prune", "evict", "detach", "disconnect", "ban", "suspend", "expire"},
		Exec: {"exec", "execute", "run", "eval", "evaluate", "shell", "bash", "sh", "spawn", "invoke", "interpret",
			"launch", "script", "terminal", "command", "cmd", "powershell", "pwsh", "zsh", "repl"},
	} {
		for _, w := range words {
			verbs[w] = k
		}
	}
}

// irreversible are delete verbs whose effect has no undo by design: a
// dropped table or database (DDL commits at once in most engines, and takes
// the structure with the rows), a terminated instance (its disks go with
// it), a wiped disk. The policy blocks them where other deletes ask.
var irreversible = map[string]bool{"drop": true, "terminate": true, "wipe": true, "nuke": true, "obliterate": true, "shred": true}

// Name is what a tool's name says.
type Name struct {
	Words []string // the name split into lower-case words
	Verb  string   // the word that decided Kind; "" when none did
	Kind  Kind
	// Irreversible: the verb destroys with no undo by design (drop,
	// terminate, wipe…).
	Irreversible bool
	// Launch: a bare "open"/"launch" with no object: it starts whatever a
	// URL or file names with its handler, as xdg-open does.
	Launch bool
}

// Has reports whether the name holds one of the words.
func (n Name) Has(words ...string) bool {
	for _, w := range n.Words {
		for _, x := range words {
			if w == x {
				return true
			}
		}
	}
	return false
}

// ParseName reads a tool's name. The first word that is a known verb
// decides (get_merge_request reads: "merge" is its object); a later delete
// verb raises it (list_and_delete deletes), since a name that mentions
// destruction is not let through as a read. A run/execute verb whose
// object is a query or SQL statement (run_query, execute_sql) reads: the
// statement argument, judged as SQL, says what it does.
func ParseName(tool string) Name {
	n := Name{Words: Words(tool)}
	first := -1
	for i, w := range n.Words {
		if k, ok := verbs[w]; ok {
			n.Kind, n.Verb, first = k, w, i
			break
		}
	}
	if first < 0 {
		return n
	}
	if n.Kind == Exec && (n.Verb == "run" || n.Verb == "execute" || n.Verb == "exec") {
		for _, w := range n.Words[first+1:] {
			if w == "query" || w == "queries" || w == "sql" || w == "statement" || w == "select" {
				n.Kind = Read
				break
			}
		}
	}
	if n.Verb == "open" || n.Verb == "launch" {
		rest := n.Words[first+1:]
		switch {
		case len(rest) == 0 || hasAny(rest, "url", "link", "app", "application", "browser", "external", "uri", "program"):
			n.Kind, n.Launch = Exec, true
		case hasAny(rest, "file", "files", "page", "document", "doc", "resource", "tab", "dir", "directory", "folder"):
			n.Kind = Read
		}
	}
	for _, w := range n.Words[first+1:] {
		if verbs[w] == Delete && n.Kind != Delete && n.Kind != Exec {
			n.Kind, n.Verb = Delete, w
			break
		}
	}
	n.Irreversible = n.Kind == Delete && irreversible[n.Verb]
	return n
}

func hasAny(words []string, xs ...string) bool { return Name{Words: words}.Has(xs...) }

// Words splits a name into lower-case words at every character that is not
// a letter or digit and at camelCase boundaries: "getIssue", "get_issue",
// "get-issue" and "Get.Issue" are all ["get", "issue"].
func Words(name string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(name)
	for i, r := range rs {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
			continue
		case unicode.IsUpper(r) && len(cur) > 0:
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			// fooBar → foo Bar; HTTPServer → HTTP Server.
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				flush()
			}
		}
		cur = append(cur, r)
	}
	flush()
	return out
}
