package claudecode

import (
	"encoding/json"
	"fmt"
	"sort"
)

// hookTypes are the handler types Claude Code's settings accept.
var hookTypes = map[string]string{"command": "command", "prompt": "prompt", "agent": "prompt", "http": "url", "mcp_tool": "tool"}

// SettingsProblems lists what would make Claude Code reject a settings file.
// Claude Code ignores a whole settings file that fails its validation —
// silently, and the hooks in it with it — so a file that parses is not
// enough. The checks cover the parts of the format that hold hooks and
// permissions, by shape (types and required fields), not a full copy of
// Claude Code's schema: unknown keys are left alone.
func SettingsProblems(data []byte) []string {
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		if len(data) == 0 {
			return nil
		}
		return []string{"not a JSON object: " + err.Error()}
	}
	var p []string
	add := func(format string, a ...any) { p = append(p, fmt.Sprintf(format, a...)) }
	if v, ok := doc["hooks"]; ok {
		events, ok := v.(map[string]any)
		if !ok {
			add("hooks is not an object")
		}
		for _, event := range sortedKeys(events) {
			groups, ok := events[event].([]any)
			if !ok {
				add("hooks.%s is not an array", event)
				continue
			}
			for i, g := range groups {
				checkGroup(g, fmt.Sprintf("hooks.%s[%d]", event, i), add)
			}
		}
	}
	if v, ok := doc["permissions"]; ok {
		perms, ok := v.(map[string]any)
		if !ok {
			add("permissions is not an object")
		}
		for _, k := range []string{"allow", "deny", "ask", "additionalDirectories"} {
			if l, ok := perms[k]; ok && !isStrings(l) {
				add("permissions.%s is not an array of strings", k)
			}
		}
	}
	if v, ok := doc["env"]; ok {
		env, ok := v.(map[string]any)
		if !ok {
			add("env is not an object")
		}
		for _, k := range sortedKeys(env) {
			if _, ok := env[k].(string); !ok {
				add("env.%s is not a string", k)
			}
		}
	}
	return p
}

func checkGroup(g any, at string, add func(string, ...any)) {
	grp, ok := g.(map[string]any)
	if !ok {
		add("%s is not an object", at)
		return
	}
	if m, ok := grp["matcher"]; ok {
		if _, ok := m.(string); !ok {
			add("%s.matcher is not a string", at)
		}
	}
	handlers, ok := grp["hooks"].([]any)
	if !ok {
		add("%s.hooks is missing or not an array", at)
		return
	}
	for j, h := range handlers {
		hat := fmt.Sprintf("%s.hooks[%d]", at, j)
		hd, ok := h.(map[string]any)
		if !ok {
			add("%s is not an object", hat)
			continue
		}
		typ, _ := hd["type"].(string)
		field, known := hookTypes[typ]
		if !known {
			add("%s.type %v is not one of command, prompt, agent, http, mcp_tool", hat, hd["type"])
			continue
		}
		if s, _ := hd[field].(string); s == "" {
			add("%s.%s is missing or empty", hat, field)
		}
		if t, ok := hd["timeout"]; ok {
			if n, ok := t.(float64); !ok || n <= 0 {
				add("%s.timeout is not a positive number", hat)
			}
		}
	}
}

func isStrings(v any) bool {
	l, ok := v.([]any)
	if !ok {
		return false
	}
	for _, x := range l {
		if _, ok := x.(string); !ok {
			return false
		}
	}
	return true
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
