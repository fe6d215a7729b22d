package claudecode

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// HookMarker identifies the Claude Code hook commands Install adds;
// Uninstall removes exactly the hook entries whose command contains it
// (followed by the end of the command or a space).
const HookMarker = " hook claude-code"

// HookTimeout is the timeout, in seconds, written for the hooks.
const HookTimeout = 30

// ClaudeCode identifies Claude Code's hook protocol.
const ClaudeCode Agent = "claude-code"

// handler is one hook handler as the agents spell it; each agent's format
// fills the fields it knows.
type handler struct {
	Name        string `json:"name,omitempty"`
	Type        string `json:"type,omitempty"`
	Command     string `json:"command"`
	Timeout     int    `json:"timeout,omitempty"`
	OnFailure   string `json:"onFailure,omitempty"`
	FailClosed  bool   `json:"failClosed,omitempty"`
	Description string `json:"description,omitempty"`
}

// group is one matcher group: Claude Code's, Codex's and Gemini CLI's shape.
type group struct {
	Matcher string    `json:"matcher"`
	Hooks   []handler `json:"hooks"`
}

// hookFormat describes how one agent's configuration file lists hooks under
// its top-level "hooks" object.
type hookFormat struct {
	agent  Agent
	events []string // the events cavra's codec for the agent handles
	// grouped: each event lists matcher groups {"matcher", "hooks": [handlers]}
	// (Claude Code, Codex, Gemini CLI); otherwise handlers directly (Cursor).
	grouped bool
	handler func(command, event string) handler
	// top holds top-level keys the file must have (Cursor's "version": 1);
	// they are added when missing and never changed.
	top []topKey
}

type topKey struct {
	key   string
	value json.RawMessage
}

var claudeFormat = hookFormat{
	agent: ClaudeCode, events: []string{PreToolUse, PostToolUse}, grouped: true,
	handler: func(command, _ string) handler {
		return handler{Type: "command", Command: command, Timeout: HookTimeout, OnFailure: "block"}
	},
}

// marker is what every hook command of ours for agent contains.
func marker(agent Agent) string { return " hook " + string(agent) }

// isOurs reports whether a hook command runs "cavra hook <agent>".
func isOurs(command string, agent Agent) bool {
	m := marker(agent)
	for rest := command; ; {
		i := strings.Index(rest, m)
		if i < 0 {
			return false
		}
		rest = rest[i+len(m):]
		if rest == "" || rest[0] == ' ' || rest[0] == '\t' {
			return true
		}
	}
}

// Install returns settings (the bytes of a settings.json; empty for none)
// with a PreToolUse and a PostToolUse hook for every tool (matcher "*")
// running command, with a timeout and onFailure "block". Every other setting
// and hook is kept as it was: keys stay in their order and values keep
// their meaning. If the hooks are already there, settings come back
// unchanged.
func Install(settings []byte, command string) ([]byte, bool, error) {
	return installHooks(claudeFormat, settings, command)
}

// Uninstall removes exactly the hook entries Install and InstallHTTP added
// (any hook command running "cavra hook claude-code", any http hook to a
// CAVRA service's HTTPHookPath), dropping groups and events it leaves
// empty.
func Uninstall(settings []byte) ([]byte, bool, error) {
	out, changed, err := uninstallHooks(claudeFormat, settings)
	if err != nil {
		return nil, false, err
	}
	out, httpChanged, err := uninstallHTTP(out)
	if err != nil {
		return nil, false, err
	}
	return out, changed || httpChanged, nil
}

// Installed reports whether both hooks are present in settings.
func Installed(settings []byte) (bool, error) { return hooksInstalled(claudeFormat, settings) }

// HookCommands returns the hook commands of ours found in settings.
func HookCommands(settings []byte) []string { return hookCommands(claudeFormat, settings) }

func installHooks(f hookFormat, data []byte, command string) ([]byte, bool, error) {
	doc, hooks, err := parseHooksFile(data)
	if err != nil {
		return nil, false, err
	}
	changed := false
	for _, t := range f.top {
		if _, ok := doc.get(t.key); !ok {
			doc.set(t.key, t.value)
			changed = true
		}
	}
	for _, event := range f.events {
		var entries []json.RawMessage
		if raw, ok := hooks.get(event); ok && !isNull(raw) {
			if err := json.Unmarshal(raw, &entries); err != nil {
				return nil, false, fmt.Errorf("hooks.%s is %s, not a list", event, kind(raw))
			}
		}
		if hasOurs(f, entries) {
			// An install of ours with another command (an older one without
			// --home, another binary) gets this one: re-running init is how
			// an install migrates.
			next, replaced, err := withCommand(f.agent, entries, command)
			if err != nil {
				return nil, false, err
			}
			if replaced {
				raw, err := marshal(next)
				if err != nil {
					return nil, false, err
				}
				hooks.set(event, raw)
				changed = true
			}
			continue
		}
		h := f.handler(command, event)
		var entry []byte
		if f.grouped {
			entry, err = marshal(group{Matcher: "*", Hooks: []handler{h}})
		} else {
			entry, err = marshal(h)
		}
		if err != nil {
			return nil, false, err
		}
		entries = append(entries, entry)
		raw, err := marshal(entries)
		if err != nil {
			return nil, false, err
		}
		hooks.set(event, raw)
		changed = true
	}
	if !changed {
		return data, false, nil
	}
	out, err := renderHooksFile(doc, hooks)
	return out, true, err
}

// withCommand sets the command of every handler of ours in an event's
// entries (handlers, or matcher groups of handlers) to command, keeping
// every other field and entry as it was.
func withCommand(agent Agent, entries []json.RawMessage, command string) ([]json.RawMessage, bool, error) {
	cmd, err := marshal(command)
	if err != nil {
		return nil, false, err
	}
	setHandler := func(raw json.RawMessage) (json.RawMessage, bool) {
		obj, err := parseObject(raw)
		if err != nil {
			return raw, false
		}
		var c string
		if v, ok := obj.get("command"); !ok || json.Unmarshal(v, &c) != nil || !isOurs(c, agent) || c == command {
			return raw, false
		}
		obj.set("command", cmd)
		out, err := obj.MarshalJSON()
		if err != nil {
			return raw, false
		}
		return out, true
	}
	out := make([]json.RawMessage, len(entries))
	changed := false
	for i, e := range entries {
		out[i] = e
		if !bytes.HasPrefix(bytes.TrimSpace(e), []byte("{")) {
			continue
		}
		if next, ok := setHandler(e); ok {
			out[i], changed = next, true
			continue
		}
		obj, err := parseObject(e)
		if err != nil {
			continue
		}
		raw, ok := obj.get("hooks")
		var hs []json.RawMessage
		if !ok || json.Unmarshal(raw, &hs) != nil {
			continue
		}
		touched := false
		for j, h := range hs {
			if next, ok := setHandler(h); ok {
				hs[j], touched = next, true
			}
		}
		if !touched {
			continue
		}
		b, err := marshal(hs)
		if err != nil {
			return nil, false, err
		}
		obj.set("hooks", b)
		if out[i], err = obj.MarshalJSON(); err != nil {
			return nil, false, err
		}
		changed = true
	}
	return out, changed, nil
}

func uninstallHooks(f hookFormat, data []byte) ([]byte, bool, error) {
	doc, hooks, err := parseHooksFile(data)
	if err != nil {
		return nil, false, err
	}
	changed := false
	for _, event := range append([]string(nil), hooks.keys...) {
		raw, _ := hooks.get(event)
		var entries []json.RawMessage
		if json.Unmarshal(raw, &entries) != nil {
			continue // not a list of hooks (Gemini CLI keeps "enabled" and "disabled" here): not ours
		}
		var kept []json.RawMessage
		removed := false
		for _, e := range entries {
			next, drop, ok := withoutOurs(f.agent, e)
			if !ok {
				kept = append(kept, e)
				continue
			}
			removed = true
			if !drop {
				kept = append(kept, next)
			}
		}
		if !removed {
			continue
		}
		changed = true
		if len(kept) == 0 {
			hooks.del(event)
			continue
		}
		b, err := marshal(kept)
		if err != nil {
			return nil, false, err
		}
		hooks.set(event, b)
	}
	if !changed {
		return data, false, nil
	}
	out, err := renderHooksFile(doc, hooks)
	return out, true, err
}

// withoutOurs takes our handlers out of one entry of an event's list: a
// handler of ours is dropped; a matcher group loses ours and is dropped when
// nothing is left. ok is false when the entry holds nothing of ours.
func withoutOurs(agent Agent, e json.RawMessage) (next json.RawMessage, drop, ok bool) {
	if !bytes.HasPrefix(bytes.TrimSpace(e), []byte("{")) {
		return nil, false, false
	}
	obj, err := parseObject(e)
	if err != nil {
		return nil, false, false
	}
	if raw, has := obj.get("command"); has {
		var c string
		if json.Unmarshal(raw, &c) == nil && isOurs(c, agent) {
			return nil, true, true
		}
	}
	raw, has := obj.get("hooks")
	if !has {
		return nil, false, false
	}
	var hs []json.RawMessage
	if json.Unmarshal(raw, &hs) != nil {
		return nil, false, false
	}
	var left []json.RawMessage
	for _, h := range hs {
		var c struct {
			Command string `json:"command"`
		}
		if json.Unmarshal(h, &c) == nil && isOurs(c.Command, agent) {
			continue
		}
		left = append(left, h)
	}
	if len(left) == len(hs) {
		return nil, false, false
	}
	if len(left) == 0 {
		return nil, true, true
	}
	b, err := marshal(left)
	if err != nil {
		return nil, false, false
	}
	obj.set("hooks", b)
	out, err := obj.MarshalJSON()
	if err != nil {
		return nil, false, false
	}
	return out, false, true
}

func hooksInstalled(f hookFormat, data []byte) (bool, error) {
	_, hooks, err := parseHooksFile(data)
	if err != nil {
		return false, err
	}
	for _, event := range f.events {
		raw, _ := hooks.get(event)
		var entries []json.RawMessage
		if json.Unmarshal(raw, &entries) != nil || !hasOurs(f, entries) {
			return false, nil
		}
	}
	return true, nil
}

func hookCommands(f hookFormat, data []byte) []string {
	_, hooks, err := parseHooksFile(data)
	if err != nil {
		return nil
	}
	var out []string
	for _, event := range f.events {
		raw, _ := hooks.get(event)
		var entries []json.RawMessage
		_ = json.Unmarshal(raw, &entries)
		for _, e := range entries {
			for _, h := range handlersOf(e) {
				if isOurs(h.Command, f.agent) {
					out = append(out, h.Command)
				}
			}
		}
	}
	return out
}

// handlersOf lists the handlers of an entry: itself when it is a handler,
// else the hooks of its matcher group.
func handlersOf(e json.RawMessage) []handler {
	var g struct {
		Command string    `json:"command"`
		Hooks   []handler `json:"hooks"`
	}
	if json.Unmarshal(e, &g) != nil {
		var h handler
		if json.Unmarshal(e, &h) == nil && h.Command != "" {
			return []handler{h}
		}
		return nil
	}
	if g.Command != "" {
		return append([]handler{{Command: g.Command}}, g.Hooks...)
	}
	return g.Hooks
}

// hasOurs reports whether an event's entries already run our hook for every
// tool: in a matcher group matching all (Claude Code, Codex and Gemini CLI
// read "*" and "" so), or as a plain handler (Cursor).
func hasOurs(f hookFormat, entries []json.RawMessage) bool {
	for _, raw := range entries {
		if f.grouped {
			var g struct {
				Matcher *string   `json:"matcher"`
				Hooks   []handler `json:"hooks"`
			}
			if json.Unmarshal(raw, &g) != nil || (g.Matcher != nil && *g.Matcher != "*" && *g.Matcher != "") {
				continue
			}
			for _, h := range g.Hooks {
				if isOurs(h.Command, f.agent) {
					return true
				}
			}
			continue
		}
		var h handler
		if json.Unmarshal(raw, &h) == nil && isOurs(h.Command, f.agent) {
			return true
		}
	}
	return false
}

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

func parseHooksFile(data []byte) (doc, hooks *jsonObject, err error) {
	doc, err = parseObject(data)
	if err != nil {
		return nil, nil, fmt.Errorf("not a JSON object (the agent would ignore or reject the file): %w", err)
	}
	hooks = newObject()
	if raw, ok := doc.get("hooks"); ok {
		if hooks, err = objectValue(raw); err != nil {
			return nil, nil, fmt.Errorf("hooks %v", err)
		}
	}
	return doc, hooks, nil
}

func renderHooksFile(doc, hooks *jsonObject) ([]byte, error) {
	if hooks.len() == 0 {
		doc.del("hooks")
	} else {
		b, err := hooks.MarshalJSON()
		if err != nil {
			return nil, err
		}
		doc.set("hooks", b)
	}
	return doc.render()
}

// SettingsPath returns .claude/settings.json under dir.
func SettingsPath(dir string) string { return filepath.Join(dir, ".claude", "settings.json") }

// ReadSettings reads a configuration file; a missing file is empty.
func ReadSettings(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

// WriteSettings writes a configuration file atomically (temp file and
// rename), creating its directory. An existing file keeps its permissions.
func WriteSettings(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	mode := fs.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*.tmp")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), mode); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// HookFlag returns the value of flag (e.g. "--home") in a hook command
// line, as `--home DIR` or `--home=DIR`, reading the words as a POSIX shell
// would split them (quotes and backslashes); "" when it is not there.
func HookFlag(command, flag string) string {
	words := shellWords(command)
	for i, w := range words {
		if v, ok := strings.CutPrefix(w, flag+"="); ok {
			return v
		}
		if w == flag && i+1 < len(words) {
			return words[i+1]
		}
	}
	return ""
}

// HookWords splits a hook command line into words as a POSIX shell
// would (see HookFlag); the first is the program it runs.
func HookWords(command string) []string { return shellWords(command) }

// shellWords splits a command line into words: single quotes keep
// everything, double quotes keep all but a backslash before " \ $ `, a
// backslash outside quotes keeps the next character. Expansions are not
// performed (a word with $ or ~ is kept as written).
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	in := false // inside a word
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		case c == '\'':
			in = true
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				cur.WriteString(s[i+1:])
				i = len(s)
				break
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
		case c == '"':
			in = true
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
		case c == '\\' && i+1 < len(s):
			in = true
			i++
			cur.WriteByte(s[i])
		default:
			in = true
			cur.WriteByte(c)
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}
