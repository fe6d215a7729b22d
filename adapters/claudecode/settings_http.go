package claudecode

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// HTTPHookPath is the route of Claude Code's http hook on `cavra serve`
// (adapters/httpapi).
const HTTPHookPath = "/v1/hooks/claude-code"

// HTTPHookURL returns the hook URL of a CAVRA service at base
// ("http://127.0.0.1:8787"): base + HTTPHookPath, with ?agent=ID when
// agent is set (the registry id the service decides the calls under).
func HTTPHookURL(base, agent string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(base))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("the CAVRA service URL %q is not an http:// or https:// URL", base)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	if !strings.HasSuffix(u.Path, HTTPHookPath) {
		u.Path += HTTPHookPath
	}
	u.RawQuery, u.Fragment = "", ""
	if agent != "" {
		u.RawQuery = url.Values{"agent": {agent}}.Encode()
	}
	return u.String(), nil
}

// httpHandler is Claude Code's http hook handler: it POSTs the hook input
// to url and reads the hook output from the response. Header values may
// name environment variables ($VAR), which Claude Code substitutes only
// for those listed in allowedEnvVars.
type httpHandler struct {
	Type           string            `json:"type"`
	URL            string            `json:"url"`
	Headers        map[string]string `json:"headers,omitempty"`
	AllowedEnvVars []string          `json:"allowedEnvVars,omitempty"`
	Timeout        int               `json:"timeout,omitempty"`
	OnFailure      string            `json:"onFailure,omitempty"`
}

// isOurHTTP reports whether a handler is an http hook to a CAVRA service.
func isOurHTTP(raw json.RawMessage) (string, bool) {
	var h httpHandler
	if json.Unmarshal(raw, &h) != nil || h.Type != "http" {
		return "", false
	}
	u, err := url.Parse(h.URL)
	if err != nil || !strings.HasSuffix(u.Path, HTTPHookPath) {
		return "", false
	}
	return h.URL, true
}

// InstallHTTP returns settings with a PreToolUse and a PostToolUse http
// hook for every tool (matcher "*") posting to hookURL (HTTPHookURL), with
// a timeout and onFailure "block" — instead of the command hooks of
// Install, which it removes, as it removes earlier http hooks of ours.
// tokenEnv, when set, names the environment variable holding the bearer
// token: the hook sends "Authorization: Bearer $VAR" and lists VAR in
// allowedEnvVars, so the token never lands in the settings file. Every
// other setting and hook is kept.
func InstallHTTP(settings []byte, hookURL, tokenEnv string) ([]byte, bool, error) {
	data, _, err := Uninstall(settings)
	if err != nil {
		return nil, false, err
	}
	doc, hooks, err := parseHooksFile(data)
	if err != nil {
		return nil, false, err
	}
	h := httpHandler{Type: "http", URL: hookURL, Timeout: HookTimeout, OnFailure: "block"}
	if tokenEnv != "" {
		h.Headers = map[string]string{"Authorization": "Bearer $" + tokenEnv}
		h.AllowedEnvVars = []string{tokenEnv}
	}
	for _, event := range claudeFormat.events {
		entries, err := eventEntries(hooks, event)
		if err != nil {
			return nil, false, err
		}
		entries, _ = withoutOurHTTP(entries)
		hb, err := marshal(h)
		if err != nil {
			return nil, false, err
		}
		entry, err := marshal(map[string]any{"matcher": "*", "hooks": []json.RawMessage{hb}})
		if err != nil {
			return nil, false, err
		}
		raw, err := marshal(append(entries, entry))
		if err != nil {
			return nil, false, err
		}
		hooks.set(event, raw)
	}
	out, err := renderHooksFile(doc, hooks)
	if err != nil {
		return nil, false, err
	}
	if bytes.Equal(out, settings) {
		return settings, false, nil
	}
	return out, true, nil
}

// HTTPHooks returns the URLs of the http hooks of ours in settings, by
// event ("PreToolUse", "PostToolUse").
func HTTPHooks(settings []byte) map[string][]string {
	out := map[string][]string{}
	_, hooks, err := parseHooksFile(settings)
	if err != nil {
		return out
	}
	for _, event := range claudeFormat.events {
		entries, _ := eventEntries(hooks, event)
		for _, e := range entries {
			for _, h := range groupHandlers(e) {
				if u, ok := isOurHTTP(h); ok {
					out[event] = append(out[event], u)
				}
			}
		}
	}
	return out
}

// HTTPHookToken returns the environment variable an http hook of ours
// sends as its bearer token ("" for none).
func HTTPHookToken(settings []byte) string {
	_, hooks, err := parseHooksFile(settings)
	if err != nil {
		return ""
	}
	entries, _ := eventEntries(hooks, PreToolUse)
	for _, e := range entries {
		for _, raw := range groupHandlers(e) {
			var h httpHandler
			if _, ok := isOurHTTP(raw); ok && json.Unmarshal(raw, &h) == nil {
				if v, ok := strings.CutPrefix(h.Headers["Authorization"], "Bearer $"); ok {
					return strings.Trim(v, "{}")
				}
			}
		}
	}
	return ""
}

func eventEntries(hooks *jsonObject, event string) ([]json.RawMessage, error) {
	var entries []json.RawMessage
	if raw, ok := hooks.get(event); ok && !isNull(raw) {
		if err := json.Unmarshal(raw, &entries); err != nil {
			return nil, fmt.Errorf("hooks.%s is %s, not a list", event, kind(raw))
		}
	}
	return entries, nil
}

func groupHandlers(e json.RawMessage) []json.RawMessage {
	var g struct {
		Hooks []json.RawMessage `json:"hooks"`
	}
	if json.Unmarshal(e, &g) != nil {
		return nil
	}
	return g.Hooks
}

// withoutOurHTTP drops the http hooks of ours from an event's matcher
// groups, and the groups they leave empty.
func withoutOurHTTP(entries []json.RawMessage) ([]json.RawMessage, bool) {
	var out []json.RawMessage
	changed := false
	for _, e := range entries {
		obj, err := parseObject(e)
		hs := groupHandlers(e)
		if err != nil || len(hs) == 0 {
			out = append(out, e)
			continue
		}
		var keep []json.RawMessage
		for _, h := range hs {
			if _, ok := isOurHTTP(h); !ok {
				keep = append(keep, h)
			}
		}
		if len(keep) == len(hs) {
			out = append(out, e)
			continue
		}
		changed = true
		if len(keep) == 0 {
			continue
		}
		b, err := marshal(keep)
		if err != nil {
			out = append(out, e)
			continue
		}
		obj.set("hooks", b)
		if nb, err := obj.MarshalJSON(); err == nil {
			out = append(out, nb)
		}
	}
	return out, changed
}

// uninstallHTTP removes the http hooks of ours, dropping groups and events
// it leaves empty.
func uninstallHTTP(data []byte) ([]byte, bool, error) {
	doc, hooks, err := parseHooksFile(data)
	if err != nil {
		return nil, false, err
	}
	changed := false
	for _, event := range claudeFormat.events {
		entries, err := eventEntries(hooks, event)
		if err != nil {
			return nil, false, err
		}
		next, ch := withoutOurHTTP(entries)
		if !ch {
			continue
		}
		changed = true
		if len(next) == 0 {
			hooks.del(event)
			continue
		}
		raw, err := marshal(next)
		if err != nil {
			return nil, false, err
		}
		hooks.set(event, raw)
	}
	if !changed {
		return data, false, nil
	}
	out, err := renderHooksFile(doc, hooks)
	return out, true, err
}
