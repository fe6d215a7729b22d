package shell

import (
	"reflect"
	"testing"
)

func TestBuildFileReaders(t *testing.T) {
	if got := justRecipes("set shell := [\"bash\"]\nx := \"1\"\nb:\n    @echo {{x}}\n\t-rm -rf out\n    # c\n"); !reflect.DeepEqual(got, []string{"echo $x", "rm -rf out"}) {
		t.Errorf("justRecipes = %q", got)
	}
	if got := taskCmds("version: '3'\ntasks:\n  b:\n    cmds:\n      - go build ./...\n      - task: other\n      - cmd: 'go test {{.PKG}}'\n    deps: [x]\n  c:\n    cmd: ls\n"); !reflect.DeepEqual(got, []string{"go build ./...", "go test $PKG", "ls"}) {
		t.Errorf("taskCmds = %q", got)
	}
	if got := toxCommands("[testenv]\ndeps = pytest\ncommands =\n    pytest {posargs}\n    - {envpython} -m x\nsetenv = A=1\n"); !reflect.DeepEqual(got, []string{"pytest ", " python -m x"}) {
		t.Errorf("toxCommands = %q", got)
	}
	if got := rustCommands(`let s = Command::new("sh").current_dir(dir(1)).arg("-c").args(["a", "b"]).arg(x).status();`); !reflect.DeepEqual(got, [][]string{{"sh", "-c", "a", "b", "$ARG"}}) {
		t.Errorf("rustCommands = %q", got)
	}
	if got := cmakeCommands("execute_process(COMMAND git rev-parse HEAD OUTPUT_VARIABLE R)\nadd_custom_command(OUTPUT g.h COMMAND sh -c \"echo $ENV{HOME}\" VERBATIM)\nadd_custom_target(t ALL ls -l)"); !reflect.DeepEqual(got, [][]string{{"git", "rev-parse", "HEAD"}, {"sh", "-c", "echo $HOME"}, {"ls", "-l"}}) {
		t.Errorf("cmakeCommands = %q", got)
	}
	lines, argvs := gradleCommands("commandLine 'sh', '-c', 'ls'\ndoLast { Runtime.getRuntime().exec(\"rm x\") }\n\"git log\".execute()")
	if !reflect.DeepEqual(lines, []string{"rm x", "git log"}) || !reflect.DeepEqual(argvs, [][]string{{"sh", "-c", "ls"}}) {
		t.Errorf("gradleCommands = %q %q", lines, argvs)
	}
	if got := pomExecutables("<configuration><executable>npm</executable><arguments><argument>run</argument><argument>a&amp;b</argument></arguments></configuration>"); !reflect.DeepEqual(got, [][]string{{"npm", "run", "a&b"}}) {
		t.Errorf("pomExecutables = %q", got)
	}
	for p, want := range map[string]string{"justfile": "just", "a/Taskfile.yml": "task", "tox.ini": "tox", "conftest.py": "python",
		"build.rs": "rust", "CMakeLists.txt": "cmake", "x.go": "gogen", "jest.config.ts": "js", "src/setupTests.js": "js",
		"Rakefile": "ruby", "build.gradle.kts": "gradle", "pom.xml": "pom", ".npmrc": "npmrc", "pip.conf": "pipconf",
		".git/hooks/pre-commit": "githook", ".git/hooks/pre-commit.sample": "", ".husky/pre-push": "githook", ".husky/_/h": "githook",
		"main.py": "", "README.md": "", ".go": "", "hooks/x": ""} {
		if got := storedFile(p); got != want {
			t.Errorf("storedFile(%q) = %q, want %q", p, got, want)
		}
	}
}
