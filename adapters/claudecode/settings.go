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

// HookMarker identifies the hook commands Install adds; Uninstall removes
// exactly the hook entries whose command contains it.
const HookMarker = " hook claude-code"

// HookTimeout is the timeout, in seconds, written for the hooks.
const HookTimeout = 30

// hookEntry is one matcher group of Claude Code's hooks configuration.
type hookEntry struct {
	Matcher string        `json:"matcher"`
	Hooks   []hookCommand `json:"hooks"`
}

type hookCommand struct {
	Type      string `json:"type"`
	Command   string `json:"command"`
	Timeout   int    `json:"timeout,omitempty"`
	OnFailure string `json:"onFailure,omitempty"`
}

// Install returns settings (the bytes of a settings.json; empty for none)
// with a PreToolUse and a PostToolUse hook for every tool (matcher "*")
// running command, with a timeout and onFailure "block". Every other setting
// and hook is kept as it was (values byte for byte; top-level keys may be
// reordered). If the hooks are already there, settings come back unchanged.
func Install(settings []byte, command string) ([]byte, bool, error) {
	doc, hooks, err := parseSettings(settings)
	if err != nil {
		return nil, false, err
	}
	changed := false
	for _, event := range []string{PreToolUse, PostToolUse} {
		var groups []json.RawMessage
		if raw, ok := hooks[event]; ok {
			if err := json.Unmarshal(raw, &groups); err != nil {
				return nil, false, fmt.Errorf("settings: hooks.%s is not a list: %w", event, err)
			}
		}
		if hasOurs(groups) {
			continue
		}
		entry, _ := json.Marshal(hookEntry{Matcher: "*", Hooks: []hookCommand{{Type: "command", Command: command, Timeout: HookTimeout, OnFailure: "block"}}})
		groups = append(groups, entry)
		raw, err := json.Marshal(groups)
		if err != nil {
			return nil, false, err
		}
		hooks[event] = raw
		changed = true
	}
	if !changed {
		return settings, false, nil
	}
	out, err := renderSettings(doc, hooks)
	return out, true, err
}

// Uninstall removes exactly the hook entries Install added (any hook command
// containing HookMarker), dropping groups and events it leaves empty.
func Uninstall(settings []byte) ([]byte, bool, error) {
	doc, hooks, err := parseSettings(settings)
	if err != nil {
		return nil, false, err
	}
	changed := false
	for event, raw := range hooks {
		var groups []map[string]json.RawMessage
		if err := json.Unmarshal(raw, &groups); err != nil {
			continue // not ours to judge
		}
		var kept []map[string]json.RawMessage
		for _, g := range groups {
			var cmds []json.RawMessage
			if err := json.Unmarshal(g["hooks"], &cmds); err != nil {
				kept = append(kept, g)
				continue
			}
			var left []json.RawMessage
			for _, c := range cmds {
				var hc hookCommand
				if json.Unmarshal(c, &hc) == nil && strings.Contains(hc.Command, HookMarker) {
					changed = true
					continue
				}
				left = append(left, c)
			}
			if len(left) == 0 {
				continue
			}
			if len(left) != len(cmds) {
				g["hooks"], _ = json.Marshal(left)
			}
			kept = append(kept, g)
		}
		if len(kept) == 0 {
			delete(hooks, event)
			continue
		}
		hooks[event], _ = json.Marshal(kept)
	}
	if !changed {
		return settings, false, nil
	}
	out, err := renderSettings(doc, hooks)
	return out, true, err
}

// Installed reports whether both hooks are present in settings.
func Installed(settings []byte) (bool, error) {
	_, hooks, err := parseSettings(settings)
	if err != nil {
		return false, err
	}
	for _, event := range []string{PreToolUse, PostToolUse} {
		var groups []json.RawMessage
		if err := json.Unmarshal(hooks[event], &groups); err != nil || !hasOurs(groups) {
			return false, nil
		}
	}
	return true, nil
}

// HookCommands returns the hook commands of ours found in settings.
func HookCommands(settings []byte) []string {
	_, hooks, err := parseSettings(settings)
	if err != nil {
		return nil
	}
	var out []string
	for _, event := range []string{PreToolUse, PostToolUse} {
		var groups []hookEntry
		_ = json.Unmarshal(hooks[event], &groups)
		for _, g := range groups {
			for _, h := range g.Hooks {
				if strings.Contains(h.Command, HookMarker) {
					out = append(out, h.Command)
				}
			}
		}
	}
	return out
}

func hasOurs(groups []json.RawMessage) bool {
	for _, raw := range groups {
		var g hookEntry
		if json.Unmarshal(raw, &g) != nil {
			continue
		}
		for _, h := range g.Hooks {
			if strings.Contains(h.Command, HookMarker) && (g.Matcher == "*" || g.Matcher == "") {
				return true
			}
		}
	}
	return false
}

func parseSettings(settings []byte) (map[string]json.RawMessage, map[string]json.RawMessage, error) {
	doc := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(settings)) > 0 {
		if err := json.Unmarshal(settings, &doc); err != nil {
			return nil, nil, fmt.Errorf("settings: not a JSON object (Claude Code would ignore the whole file): %w", err)
		}
	}
	hooks := map[string]json.RawMessage{}
	if raw, ok := doc["hooks"]; ok {
		if err := json.Unmarshal(raw, &hooks); err != nil {
			return nil, nil, fmt.Errorf("settings: hooks is not an object: %w", err)
		}
	}
	return doc, hooks, nil
}

func renderSettings(doc, hooks map[string]json.RawMessage) ([]byte, error) {
	if len(hooks) == 0 {
		delete(doc, "hooks")
	} else {
		raw, err := json.Marshal(hooks)
		if err != nil {
			return nil, err
		}
		doc["hooks"] = raw
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// SettingsPath returns .claude/settings.json under dir.
func SettingsPath(dir string) string { return filepath.Join(dir, ".claude", "settings.json") }

// ReadSettings reads a settings file; a missing file is empty settings.
func ReadSettings(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

// WriteSettings writes a settings file atomically (temp file and rename),
// creating its directory.
func WriteSettings(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if len(bytes.TrimSpace(data)) == 0 || bytes.Equal(bytes.TrimSpace(data), []byte("{}")) {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".settings-*.json")
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
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
