package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"
)

// decodeDocument reads a compiled document into its typed view. A document
// as compileChain writes it (canonical JSON from encoding/json, no nulls)
// is read without reflection: encoding/json's first use of the document's
// types costs a process that decides one action more than reading all of
// it. Anything else — a null, a key that differs from a field's only in
// case, a string with an escape — goes to encoding/json, so the result is
// what json.Unmarshal gives either way.
func decodeDocument(b []byte) (*compiledDoc, error) {
	r := &docReader{b: b, s: string(b)}
	cd := r.doc()
	if r.err == nil {
		return cd, nil
	}
	var slow compiledDoc
	if err := json.Unmarshal(b, &slow); err != nil {
		return nil, err
	}
	return &slow, nil
}

var errDocShape = errors.New("not the fast reader's shape")

// docReader reads the JSON the document is; the first error sticks.
// Strings without escapes are cut from s, one copy of b, rather than
// allocated one by one.
type docReader struct {
	b   []byte
	s   string
	i   int
	err error
}

func (r *docReader) fail() { r.err, r.i = errDocShape, len(r.b) }

func (r *docReader) ws() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// peek returns the next byte that is not white space, or 0.
func (r *docReader) peek() byte {
	r.ws()
	if r.err != nil || r.i >= len(r.b) {
		return 0
	}
	return r.b[r.i]
}

func (r *docReader) expect(c byte) {
	if r.peek() != c {
		r.fail()
		return
	}
	r.i++
}

// str reads a string. One without escapes that is valid UTF-8 is its
// bytes; one with the common escapes is unescaped here; any other is left
// to encoding/json (\u escapes, invalid UTF-8).
func (r *docReader) str() string {
	if r.peek() != '"' {
		r.fail()
		return ""
	}
	start, esc := r.i+1, false
	for j := start; j < len(r.b); j++ {
		switch c := r.b[j]; {
		case c == '\\':
			esc = true
			j++
		case c < 0x20:
			r.fail()
			return ""
		case c == '"':
			r.i = j + 1
			s := r.b[start:j]
			if !utf8.Valid(s) {
				return r.slowStr(start-1, j+1)
			}
			if !esc {
				if r.s != "" {
					return r.s[start:j]
				}
				return string(s)
			}
			return r.unescape(s, start-1, j+1)
		}
	}
	r.fail()
	return ""
}

func (r *docReader) unescape(s []byte, from, to int) string {
	out := make([]byte, 0, len(s))
	for k := 0; k < len(s); k++ {
		if s[k] != '\\' {
			out = append(out, s[k])
			continue
		}
		k++
		if k == len(s) {
			r.fail()
			return ""
		}
		switch s[k] {
		case '"', '\\', '/':
			out = append(out, s[k])
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case 'r':
			out = append(out, '\r')
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		default:
			return r.slowStr(from, to)
		}
	}
	return string(out)
}

func (r *docReader) slowStr(from, to int) string {
	var s string
	if json.Unmarshal(r.b[from:to], &s) != nil {
		r.fail()
	}
	return s
}

// object calls field for each key of an object; field reads the value.
func (r *docReader) object(field func(key string)) {
	r.expect('{')
	if r.peek() == '}' {
		r.i++
		return
	}
	for r.err == nil {
		k := r.str()
		r.expect(':')
		if r.err != nil {
			return
		}
		field(k)
		switch r.peek() {
		case ',':
			r.i++
		case '}':
			r.i++
			return
		default:
			r.fail()
		}
	}
}

// array calls elem for each element of an array (never nil: an empty
// array is an empty list, as for encoding/json).
func (r *docReader) array(elem func()) {
	r.expect('[')
	if r.peek() == ']' {
		r.i++
		return
	}
	for r.err == nil {
		elem()
		switch r.peek() {
		case ',':
			r.i++
		case ']':
			r.i++
			return
		default:
			r.fail()
		}
	}
}

func (r *docReader) strs() []string {
	l := []string{}
	r.array(func() { l = append(l, r.str()) })
	return l
}

func (r *docReader) boolPtr() *bool {
	r.ws()
	switch {
	case bytes.HasPrefix(r.b[r.i:], []byte("true")):
		r.i += 4
		t := true
		return &t
	case bytes.HasPrefix(r.b[r.i:], []byte("false")):
		r.i += 5
		return new(bool)
	}
	r.fail()
	return nil
}

// skip reads over any value (not null), nested at most maxSkipDepth deep
// (encoding/json refuses what is nested too deep).
func (r *docReader) skip(depth int) {
	if depth > maxSkipDepth {
		r.fail()
		return
	}
	switch c := r.peek(); {
	case c == '{':
		r.object(func(string) { r.skip(depth + 1) })
	case c == '[':
		r.array(func() { r.skip(depth + 1) })
	case c == '"':
		r.str()
	case c == 't' || c == 'f' || c == '-' || (c >= '0' && c <= '9'):
		start := r.i
		for r.i < len(r.b) && strings.IndexByte(",]} \t\n\r", r.b[r.i]) < 0 {
			r.i++
		}
		if !json.Valid(r.b[start:r.i]) {
			r.fail()
		}
	default: // null included
		r.fail()
	}
}

const maxSkipDepth = 1000

// other handles a key the reader has no field for: encoding/json would set
// a field whose name matches it but for case, so that is left to it; any
// other key it ignores.
func (r *docReader) other(key string, known ...string) {
	for _, k := range known {
		if strings.EqualFold(key, k) {
			r.fail()
			return
		}
	}
	r.skip(0)
}

func (r *docReader) entries() []Entry {
	l := []Entry{}
	r.array(func() {
		var e Entry
		if r.peek() == '"' {
			e.Pattern = r.str()
		} else {
			r.object(func(k string) {
				switch k {
				case "pattern":
					e.Pattern = r.str()
				case "severity":
					e.Severity = r.str()
				case "reason":
					e.Reason = r.str()
				case "approver_group":
					e.ApproverGroup = r.str()
				default:
					r.other(k, "pattern", "severity", "reason", "approver_group")
				}
			})
		}
		l = append(l, e)
	})
	return l
}

func (r *docReader) doc() *compiledDoc {
	cd := &compiledDoc{}
	r.object(func(k string) {
		switch k {
		case "format":
			cd.Format = r.str()
		case "mode":
			cd.Mode = r.str()
		case "packs":
			cd.Packs = []PackInfo{}
			r.array(func() {
				var p PackInfo
				r.object(func(k string) {
					switch k {
					case "id":
						p.ID = r.str()
					case "version":
						p.Version = r.str()
					case "title":
						p.Title = r.str()
					default:
						r.other(k, "id", "version", "title")
					}
				})
				cd.Packs = append(cd.Packs, p)
			})
		case "filesystem":
			r.object(func(k string) {
				switch k {
				case "block_read":
					cd.Filesystem.BlockRead = r.entries()
				case "block_write":
					cd.Filesystem.BlockWrite = r.entries()
				case "require_approval_write":
					cd.Filesystem.RequireApprovalWrite = r.entries()
				default:
					r.other(k, "block_read", "block_write", "require_approval_write")
				}
			})
		case "commands":
			r.object(func(k string) {
				switch k {
				case "block":
					cd.Commands.Block = r.entries()
				case "require_approval":
					cd.Commands.RequireApproval = r.entries()
				case "allow":
					cd.Commands.Allow = r.entries()
				case "allow_unsandboxed":
					cd.Commands.AllowUnsandboxed = r.entries()
				case "default":
					cd.Commands.Default = r.str()
				default:
					r.other(k, "block", "require_approval", "allow", "allow_unsandboxed", "default")
				}
			})
		case "git":
			r.object(func(k string) {
				switch k {
				case "protected_branches":
					cd.Git.ProtectedBranches = r.strs()
				case "block_direct_push_to_protected_branch":
					cd.Git.BlockDirectPush = r.boolPtr()
				case "block_force_push":
					cd.Git.BlockForcePush = r.boolPtr()
				default:
					r.other(k, "protected_branches", "block_direct_push_to_protected_branch", "block_force_push")
				}
			})
		case "mcp":
			r.object(func(k string) {
				switch k {
				case "block_unknown_servers":
					cd.MCP.BlockUnknown = r.boolPtr()
				case "allowed_servers":
					cd.MCP.Allowed = r.strs()
				case "blocked_servers":
					cd.MCP.Blocked = r.strs()
				case "tools":
					cd.MCP.Tools = map[string]MCPTool{}
					r.object(func(name string) {
						var t MCPTool
						r.object(func(k string) {
							switch k {
							case "args":
								t.Args = map[string]string{}
								r.object(func(arg string) { t.Args[arg] = r.str() })
							case "local":
								if b := r.boolPtr(); b != nil {
									t.Local = *b
								}
							default:
								r.other(k, "args", "local")
							}
						})
						cd.MCP.Tools[name] = t
					})
				default:
					r.other(k, "block_unknown_servers", "allowed_servers", "blocked_servers", "tools")
				}
			})
		case "defaults":
			if cd.Defaults == nil {
				cd.Defaults = map[string]string{}
			}
			r.object(func(k string) { cd.Defaults[k] = r.str() })
		case "rules":
			cd.Rules = []Rule{}
			r.array(func() {
				var x Rule
				r.object(func(k string) {
					switch k {
					case "id":
						x.ID = r.str()
					case "description":
						x.Description = r.str()
					case "when":
						x.When = r.str()
					case "decision":
						x.Decision = r.str()
					case "severity":
						x.Severity = r.str()
					case "reason":
						x.Reason = r.str()
					case "approver_group":
						x.ApproverGroup = r.str()
					case "controls":
						x.Controls = r.strs()
					default:
						r.other(k, "id", "description", "when", "decision", "severity", "reason", "approver_group", "controls")
					}
				})
				cd.Rules = append(cd.Rules, x)
			})
		default:
			r.other(k, "format", "mode", "packs", "filesystem", "commands", "git", "mcp", "defaults", "rules")
		}
	})
	if r.ws(); r.err == nil && r.i != len(r.b) {
		r.fail()
	}
	return cd
}
