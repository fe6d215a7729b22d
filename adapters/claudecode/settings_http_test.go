package claudecode

import (
	"strings"
	"testing"
)

func TestInstallHTTP(t *testing.T) {
	orig := []byte(`{"model":"x","hooks":{"PreToolUse":[{"matcher":"Bash","hooks":[{"type":"command","command":"./guard.sh"}]}]}}`)
	withCmd, _, err := Install(orig, "/opt/cavra hook claude-code --home /s")
	if err != nil {
		t.Fatal(err)
	}
	u, err := HTTPHookURL("https://cavra.internal:8787/", "ci-bot")
	if err != nil || u != "https://cavra.internal:8787/v1/hooks/claude-code?agent=ci-bot" {
		t.Fatalf("HTTPHookURL: %q %v", u, err)
	}
	out, changed, err := InstallHTTP(withCmd, u, "CAVRA_TOKEN")
	if err != nil || !changed {
		t.Fatalf("InstallHTTP: %v %v", changed, err)
	}
	if len(HookCommands(out)) != 0 {
		t.Errorf("command hooks left: %v", HookCommands(out))
	}
	hh := HTTPHooks(out)
	if len(hh[PreToolUse]) != 1 || len(hh[PostToolUse]) != 1 || hh[PreToolUse][0] != u || HTTPHookToken(out) != "CAVRA_TOKEN" {
		t.Fatalf("http hooks %v, token %q:\n%s", hh, HTTPHookToken(out), out)
	}
	if !strings.Contains(string(out), "./guard.sh") || !strings.Contains(string(out), `"model": "x"`) {
		t.Fatalf("other settings lost:\n%s", out)
	}
	if SettingsProblems(out) != nil {
		t.Errorf("settings problems: %v", SettingsProblems(out))
	}
	again, changed, err := InstallHTTP(out, u, "CAVRA_TOKEN")
	if err != nil || changed || string(again) != string(out) {
		t.Fatalf("second InstallHTTP changed the file: %v %v", changed, err)
	}
	// A new URL replaces the old one.
	moved, _, _ := InstallHTTP(out, "http://127.0.0.1:9000/v1/hooks/claude-code", "")
	if hh := HTTPHooks(moved); len(hh[PreToolUse]) != 1 || hh[PreToolUse][0] != "http://127.0.0.1:9000/v1/hooks/claude-code" || HTTPHookToken(moved) != "" {
		t.Fatalf("moved: %v\n%s", hh, moved)
	}
	back, changed, err := Uninstall(moved)
	if err != nil || !changed || len(HTTPHooks(back)) != 0 || !strings.Contains(string(back), "./guard.sh") {
		t.Fatalf("Uninstall: %v %v\n%s", changed, err, back)
	}
	if _, err := HTTPHookURL("ftp://x", ""); err == nil {
		t.Error("ftp accepted")
	}
}
