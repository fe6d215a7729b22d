package main

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/cavra-dev/cavra/adapters/claudecode"
)

// httpHooks reports on Claude Code http hooks to a CAVRA service (cavra
// init claude-code --http): both events, one URL, the service answering,
// the token variable set.
func (r *doctorReport) httpHooks(ctx context.Context, hooks map[string][]string, tokenEnv string) {
	pre, post := hooks[claudecode.PreToolUse], hooks[claudecode.PostToolUse]
	r.check(len(pre) == 1 && len(post) == 1 && pre[0] == post[0],
		"PreToolUse and PostToolUse http hooks with matcher \"*\" post to one CAVRA service (%s)", strings.Join(append(pre, post...), ", "))
	if len(pre) == 0 {
		return
	}
	u, err := url.Parse(pre[0])
	if err != nil {
		r.check(false, "the hook URL %q parses: %v", pre[0], err)
		return
	}
	u.Path, u.RawQuery = strings.TrimSuffix(u.Path, claudecode.HTTPHookPath)+"/healthz", ""
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	resp, err := http.DefaultClient.Do(req)
	ok := err == nil && resp.StatusCode == http.StatusOK
	if resp != nil {
		resp.Body.Close()
	}
	detail := ""
	if err != nil {
		detail = ": " + err.Error()
	} else if !ok {
		detail = ": " + resp.Status
	}
	r.check(ok, "the CAVRA service answers at %s (while it does not, every tool call is blocked: onFailure \"block\")%s", u, detail)
	if tokenEnv != "" {
		r.note(os.Getenv(tokenEnv) != "", "the hook's bearer token variable %s is set in this environment (Claude Code must see it too)", tokenEnv)
	}
}
