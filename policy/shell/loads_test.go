package shell

import (
	"slices"
	"testing"
)

// TestSettingLoads: the files, libraries and directories a setting or an
// option makes a program load, and the program and script of a command
// run from a setting, are in Command.Loads; a program's own script and
// PATH are not.
func TestSettingLoads(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		line string
		want string // an entry of some command's Loads; "" for none at all
	}{
		{"BASH_ENV=/tmp/evil.sh bash scripts/x.sh", "/tmp/evil.sh"},
		{"ENV=/tmp/e sh -i -c true", "/tmp/e"},
		{"ZDOTDIR=/tmp/z zsh -i -c true", "/tmp/z/"},
		{"PYTHONSTARTUP=/tmp/s.py python3 -i", "/tmp/s.py"},
		{"PYTHONPATH=/tmp/p python3 -m pytest", "/tmp/p/"},
		{"LD_LIBRARY_PATH=/tmp/l ./bin/app", "/tmp/l/"},
		{"NODE_OPTIONS='--require /tmp/h.js' npm test", "/tmp/h.js"},
		{"NODE_OPTIONS='--import=/tmp/h.mjs' npx vitest run", "/tmp/h.mjs"},
		{"JAVA_TOOL_OPTIONS=-javaagent:/tmp/a.jar=opts ./gradlew test", "/tmp/a.jar"},
		{"_JAVA_OPTIONS=-agentpath:/tmp/a.so java -jar app.jar", "/tmp/a.so"},
		{"npm_config_script_shell=/tmp/s.sh npm run build", "/tmp/s.sh"},
		{"GIT_TEMPLATE_DIR=/tmp/tpl git init sub", "/tmp/tpl/"},
		{"GIT_EXTERNAL_DIFF=/tmp/d.sh git diff", "/tmp/d.sh"},
		{"git -c diff.external=/tmp/x.sh diff", "/tmp/x.sh"},
		{"git -c core.hooksPath=/tmp/h commit -m x", "/tmp/h/"},
		{"EDITOR='bash /tmp/ed.sh' git commit", "/tmp/ed.sh"},
		{"export BASH_ENV=/tmp/e; bash x.sh", "/tmp/e"},
		{"env LD_PRELOAD=/tmp/l.so ls", "/tmp/l.so"},

		{"bash /tmp/x.sh", ""},
		{"./bin/app", ""},
		{"PATH=/tmp/bin:$PATH make", ""},
		{"GIT_PAGER=cat git log", ""},
		{"JAVA_TOOL_OPTIONS=-Xmx2g ./gradlew test", ""},
		{"NODE_OPTIONS=--max-old-space-size=4096 npm run build", ""},
	} {
		an, err := Analyze(tc.line, Options{})
		if err != nil {
			t.Fatalf("%q: %v", tc.line, err)
		}
		var all []string
		for _, c := range an.Commands {
			all = append(all, c.Loads...)
		}
		switch {
		case tc.want == "" && len(all) > 0:
			t.Errorf("%q: loads %q, want none", tc.line, all)
		case tc.want != "" && !slices.Contains(all, tc.want):
			t.Errorf("%q: loads %q, want %q among them", tc.line, all, tc.want)
		}
	}
}
