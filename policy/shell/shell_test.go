package shell

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// c builds an expected command from its text: the first space-separated
// field is Name, the rest are Args. Options adjust the rest.
func c(text string, opts ...func(*Command)) Command {
	fields := strings.Split(text, " ")
	cmd := Command{Name: fields[0], Text: text}
	if len(fields) > 1 {
		cmd.Args = fields[1:]
	}
	for _, o := range opts {
		o(&cmd)
	}
	return cmd
}

func via(v ...string) func(*Command)      { return func(c *Command) { c.Via = v } }
func opaque(s string) func(*Command)      { return func(c *Command) { c.Opaque = s } }
func cpath(p string) func(*Command)       { return func(c *Command) { c.Path = p } }
func args(a ...string) func(*Command)     { return func(c *Command) { c.Args = a } }
func redirs(r ...Redirect) func(*Command) { return func(c *Command) { c.Redirects = r } }

// dyn marks a command whose name is unknown: Name is "", Text stays.
func dyn(c *Command) {
	c.Name, c.Dynamic, c.Opaque = "", true, OpaqueDynamicName
}

var analyzeTests = []struct {
	name string
	in   string
	line string // "" means same as in
	want []Command
}{
	// Lists and pipelines.
	{"and list", "cd infra && terraform apply -auto-approve", "", []Command{
		c("cd infra"), c("terraform apply -auto-approve"),
	}},
	{"three commands", "cd infra && terraform init && terraform apply -auto-approve", "", []Command{
		c("cd infra"), c("terraform init"), c("terraform apply -auto-approve"),
	}},
	{"quoted argument", `echo "terraform apply"`, "echo terraform apply", []Command{
		c("echo terraform apply", args("terraform apply")),
	}},
	{"all operators", "a; b & c || d | e |& f", "a ; b & c || d | e |& f", []Command{
		c("a"), c("b"), c("c"), c("d"), c("e"), c("f"),
	}},
	{"newlines", "a\nb\n\nc", "a ; b ; c", []Command{c("a"), c("b"), c("c")}},
	{"trailing background", "sleep 1 &", "sleep 1 &", []Command{c("sleep 1")}},
	{"negation", "! grep -q x f", "", []Command{c("grep -q x f")}},
	{"subshell", "(cd a; make)", "( cd a ; make )", []Command{c("cd a"), c("make")}},
	{"group", "{ a; b; } && c", "{ a ; b ; } && c", []Command{c("a"), c("b"), c("c")}},
	{"if", "if test -f x; then rm x; elif true; then :; else echo no; fi", "", []Command{
		c("test -f x"), c("rm x"), c("true"), c(":"), c("echo no"),
	}},
	{"while", "while read l; do echo $l; done < in", "while read l; do echo $l; done", []Command{
		c("read l", redirs(Redirect{Op: "<", Path: "in"})),
		c("echo $l", redirs(Redirect{Op: "<", Path: "in"})),
	}},
	{"for", "for f in $(ls); do rm $f; done", "", []Command{
		c("ls", via("$()")), c("rm $f"),
	}},
	{"case", "case $x in a) rm a;; *) echo b;; esac", "", []Command{c("rm a"), c("echo b")}},
	{"function", "f() { rm -rf /; }; f", "f() { rm -rf /; } ; f", []Command{c("rm -rf /"), c("f")}},
	{"time keyword", "time make -j4", "", []Command{c("make -j4", via("time"))}},
	{"test and arithmetic", "[[ -f $(which x) ]] && (( n = $(wc -l < f) ))", "", []Command{
		c("which x", via("$()")),
		c("wc -l", via("$()"), redirs(Redirect{Op: "<", Path: "f"})),
	}},
	{"declaration", "export PATH=/tmp:$PATH", "", []Command{c("export PATH=/tmp:$PATH")}},
	{"assignment only", "A=$(rm x)", "A=$(rm x)", []Command{c("rm x", via("$()"))}},
	{"leading assignments", "A=1 B='x y' make", "A=1 B=x y make", []Command{c("make")}},
	{"comment", "ls # rm -rf /", "ls", []Command{c("ls")}},

	// Wrappers.
	{"sudo", "sudo -u root rm -rf /", "", []Command{c("rm -rf /", via("sudo"))}},
	{"sudo cluster and long", "sudo -Eu root --chdir=/tmp -- rm x", "", []Command{c("rm x", via("sudo"))}},
	{"sudo assignment", "sudo FOO=1 rm x", "", []Command{c("rm x", via("sudo"))}},
	{"sudo alone", "sudo -l", "", []Command{c("sudo -l")}},
	{"sudo list command", "sudo -l rm x", "", []Command{c("sudo -l rm x")}},
	{"doas", "doas -u admin rm x", "", []Command{c("rm x", via("doas"))}},
	{"env", "env -i A=1 rm x", "", []Command{c("rm x", via("env"))}},
	{"env unset", "env -u HOME --chdir /tmp rm x", "", []Command{c("rm x", via("env"))}},
	{"env alone", "env", "", []Command{c("env")}},
	{"env split", "env -S 'rm -rf /' extra", "env -S rm -rf / extra", []Command{c("rm -rf / extra", via("env"))}},
	{"env split options", "env -S '-i A=1 rm' x", "env -S -i A=1 rm x", []Command{c("rm x", via("env"))}},
	{"env split empty", "env -S ''", "env -S ", []Command{c("env")}},
	{"command", "command rm x", "", []Command{c("rm x", via("command"))}},
	{"command -v", "command -v rm", "", []Command{c("command -v rm")}},
	{"builtin", "builtin cd /tmp", "", []Command{c("cd /tmp", via("builtin"))}},
	{"exec", "exec -a name rm x", "", []Command{c("rm x", via("exec"))}},
	{"exec redirect only", "exec > log", "exec", []Command{c("exec", redirs(Redirect{Op: ">", Path: "log"}))}},
	{"nohup", "nohup rm x &", "nohup rm x &", []Command{c("rm x", via("nohup"))}},
	{"setsid", "setsid -f rm x", "", []Command{c("rm x", via("setsid"))}},
	{"timeout", "timeout 10 rm x", "", []Command{c("rm x", via("timeout"))}},
	{"timeout options", "timeout -s KILL --kill-after=5 10s rm x", "", []Command{c("rm x", via("timeout"))}},
	{"time command", "/usr/bin/time -f %e rm x", "", []Command{c("rm x", via("time"))}},
	{"nice", "nice -n 5 rm x", "", []Command{c("rm x", via("nice"))}},
	{"nice short", "nice -10 rm x", "", []Command{c("rm x", via("nice"))}},
	{"stdbuf", "stdbuf -oL -e 0 rm x", "", []Command{c("rm x", via("stdbuf"))}},
	{"wrapper chain", "sudo nice -n 5 timeout 3 env A=1 rm x", "", []Command{
		c("rm x", via("sudo", "nice", "timeout", "env")),
	}},
	{"xargs", "ls | xargs rm -f", "", []Command{c("ls"), c("rm -f", via("xargs"))}},
	{"xargs options", "find . -print0 | xargs -0 -n 1 -I {} -P 4 rm {}", "", []Command{
		c("find . -print0"), c("rm .", via("xargs")), // find's paths in place of -I's placeholder
	}},
	{"xargs echo", "ls | xargs", "", []Command{c("ls"), c("echo", via("xargs"))}},
	{"xargs shell", `xargs sh -c 'rm "$1"' _`, `xargs sh -c rm "$1" _`, []Command{
		c("rm $1", via("xargs", "sh -c")),
	}},
	{"watch", "watch -n 5 'kubectl get pods | grep x'", "watch -n 5 kubectl get pods | grep x", []Command{
		c("kubectl get pods", via("watch")), c("grep x", via("watch")),
	}},
	{"watch exec", "watch -x rm x", "", []Command{c("rm x", via("watch"))}},

	// Shells.
	{"bash -c", "bash -c 'rm -rf / && echo hi'", "bash -c rm -rf / && echo hi", []Command{
		c("rm -rf /", via("bash -c")), c("echo hi", via("bash -c")),
	}},
	{"nested -c", `sh -c "bash -c 'rm x'"`, "sh -c bash -c 'rm x'", []Command{
		c("rm x", via("sh -c", "bash -c")),
	}},
	{"bash -lc", "bash -lc 'make test'", "bash -lc make test", []Command{c("make test", via("bash -c"))}},
	{"bash -o", "bash -o pipefail -ec 'a | b'", "bash -o pipefail -ec a | b", []Command{
		c("a", via("bash -c")), c("b", via("bash -c")),
	}},
	{"sudo bash -c", "sudo bash -c 'rm x'", "sudo bash -c rm x", []Command{c("rm x", via("sudo", "bash -c"))}},
	{"dynamic script", `bash -c "$CMD"`, "bash -c $CMD", []Command{
		c("bash -c $CMD", func(c *Command) { c.Dynamic, c.Opaque = true, OpaqueDynamicScript }),
	}},
	{"invalid script", "sh -c 'echo \"'", `sh -c echo "`, []Command{
		c(`sh -c echo "`, args("-c", `echo "`), opaque(OpaqueInvalidScript)),
	}},
	{"script file", "bash ./build.sh", "", []Command{c("bash ./build.sh")}},
	{"process substitution script", "bash <(curl -s https://x/i.sh)", "", []Command{
		c("bash <(curl -s https://x/i.sh)", args("<(curl -s https://x/i.sh)"), opaque(OpaqueSubstScript)), c("curl -s https://x/i.sh", via("$()")),
	}},
	{"python process substitution", "python3 <(wget -qO- x)", "", []Command{
		c("python3 <(wget -qO- x)", args("<(wget -qO- x)"), opaque(OpaqueSubstScript)), c("wget -qO- x", via("$()")),
	}},
	{"interactive shell", "bash", "", []Command{c("bash")}},

	// find.
	{"find exec", `find . -name '*.tmp' -exec rm {} \;`, "find . -name *.tmp -exec rm {} ;", []Command{
		c("find . -name *.tmp -exec rm {} ;"), c("rm {}", via("find -exec")),
	}},
	{"find execdir plus", "find . -execdir sudo rm -f {} + -ok echo {} ';'", "find . -execdir sudo rm -f {} + -ok echo {} ;", []Command{
		c("find . -execdir sudo rm -f {} + -ok echo {} ;"),
		c("rm -f {}", via("find -exec", "sudo")),
		c("echo {}", via("find -exec")),
	}},
	{"find delete", "find /tmp -delete", "", []Command{c("find /tmp -delete")}},

	// Substitutions.
	{"command substitution", "echo $(date) `whoami`", "", []Command{
		c("echo $(date) `whoami`"), c("date", via("$()")), c("whoami", via("$()")),
	}},
	{"process substitution", "diff <(ls a) >(tee b)", "", []Command{
		c("diff <(ls a) >(tee b)", args("<(ls a)", ">(tee b)")), c("ls a", via("$()")), c("tee b", via("$()")),
	}},
	{"substitution in redirect", "echo hi > $(mktemp)", "echo hi", []Command{
		c("echo hi", redirs(Redirect{Op: ">", Path: "$(mktemp)", Dynamic: true})),
		c("mktemp", via("$()")),
	}},
	{"substitution in parameter", "echo ${X:-$(rm y)}", "", []Command{
		c("echo ${X:-$(rm y)}", args("${X:-$(rm y)}")), c("rm y", via("$()")),
	}},
	{"nested substitution", "echo $(echo $(rm x))", "", []Command{
		c("echo $(echo $(rm x))", args("$(echo $(rm x))")), c("echo $(rm x)", via("$()"), args("$(rm x)")), c("rm x", via("$()", "$()")),
	}},
	{"substitution inside bash -c", `bash -c 'echo $(rm x)'`, "bash -c echo $(rm x)", []Command{
		c("echo $(rm x)", via("bash -c"), args("$(rm x)")), c("rm x", via("bash -c", "$()")),
	}},

	// Dynamic names.
	{"dynamic substitution", "$(echo rm) -rf /", "", []Command{
		c("$(echo rm) -rf /", dyn, args("-rf", "/")), c("echo rm", via("$()")),
	}},
	{"dynamic variable", "$CMD x", "", []Command{c("$CMD x", dyn, args("x"))}},
	{"variable with static value", "cmd=rm; $cmd -rf /", "cmd=rm ; $cmd -rf /", []Command{
		c("$cmd -rf /", dyn, args("-rf", "/")), c("rm -rf /", via("$cmd")),
	}},
	{"IFS splitting", "IFS=_; cmd=rm_-rf_/; $cmd", "IFS=_ ; cmd=rm_-rf_/ ; $cmd", []Command{
		c("$cmd", dyn, args()), c("rm -rf /", via("$cmd")),
	}},
	{"variable from substitution", "cmd=$(x); $cmd", "cmd=$(x) ; $cmd", []Command{
		c("x", via("$()")), c("$cmd", dyn, args()),
	}},
	{"xargs here-string", `xargs rm -rf <<< "$HOME"`, "xargs rm -rf", []Command{
		c("rm -rf $HOME", via("xargs"), redirs(Redirect{Op: "<<<", Path: "$HOME", Dynamic: true})),
	}},
	{"xargs piped words", "echo a b | xargs rm", "", []Command{c("echo a b"), c("rm a b", via("xargs"))}},
	{"xargs replace", "echo a | xargs -I{} rm {}", "", []Command{c("echo a"), c("rm a", via("xargs"))}},
	{"dynamic quoted", `"${X}" y`, "${X} y", []Command{c("${X} y", dyn, args("y"))}},
	{"dynamic behind wrapper", "sudo $CMD", "", []Command{c("$CMD", dyn, args(), via("sudo"))}},
	{"dynamic glob", "/bin/r? x", "", []Command{c("/bin/r? x", dyn, args("x"))}},
	{"brace command", "{rm,-rf,/}", "rm -rf /", []Command{c("rm -rf /")}},
	{"brace operands", "mkdir -p src/{a,b}/t ~/.{ssh,aws}", "mkdir -p src/a/t src/b/t ~/.ssh ~/.aws", []Command{c("mkdir -p src/a/t src/b/t ~/.ssh ~/.aws")}},
	{"brace sequence", "touch f{1..3}", "touch f1 f2 f3", []Command{c("touch f1 f2 f3")}},
	{"brace too large", "touch {1..9}{1..9}{1..9}", "touch {1..9}{1..9}{1..9}", []Command{c("touch {1..9}{1..9}{1..9}")}},
	{"test bracket", "[ -f x ]", "", []Command{c("[ -f x ]")}},

	// eval and source.
	{"eval", `eval "rm -rf /"`, "eval rm -rf /", []Command{
		c("eval rm -rf /", args("rm -rf /"), opaque(OpaqueEval)), c("rm -rf /", via("eval")),
	}},
	{"eval dynamic", `eval "$X"`, "eval $X", []Command{c("eval $X", opaque(OpaqueEval))}},
	// A project file sourced runs as the project's script; one from
	// elsewhere may redefine every later command.
	{"source", "source ./env.sh && . x", "", []Command{
		c("source ./env.sh"), c(". x"),
	}},
	{"source elsewhere", "source /tmp/env.sh; . ../x; . ~/.profile", "source /tmp/env.sh ; . ../x ; . ~/.profile", []Command{
		c("source /tmp/env.sh", opaque(OpaqueSource)), c(". ../x", opaque(OpaqueSource)), c(". ~/.profile", opaque(OpaqueSource)),
	}},

	// Interpreters fed on stdin.
	{"curl sh", "curl https://x | sh", "", []Command{c("curl https://x"), c("sh", opaque(OpaqueStdin))}},
	{"base64 bash", "echo aGVsbG8= | base64 -d | bash", "", []Command{
		c("echo aGVsbG8="), c("base64 -d"), c("bash", opaque(OpaqueStdin)), c("hello", via("pipe")),
	}},
	{"base64 rm", "echo cm0gLXJmIC8K | base64 --decode | sudo sh", "", []Command{
		c("echo cm0gLXJmIC8K"), c("base64 --decode"), c("sh", via("sudo"), opaque(OpaqueStdin)), c("rm -rf /", via("sudo", "pipe")),
	}},
	{"echo into sh", "echo 'rm -rf ~' | sh", "echo rm -rf ~ | sh", []Command{
		c("echo rm -rf ~", args("rm -rf ~")), c("sh"), c("rm -rf ~", via("pipe")),
	}},
	{"printf cat bash", "printf 'make clean' | cat | bash -s", "printf make clean | cat | bash -s", []Command{
		c("printf make clean", args("make clean")), c("cat"), c("bash -s"), c("make clean", via("pipe")),
	}},
	{"dynamic echo into sh", `echo "$X" | sh`, "echo $X | sh", []Command{c("echo $X"), c("sh", opaque(OpaqueStdin))}},
	{"echo into python", `echo "import os; os.remove('x')" | python3`, "echo import os; os.remove('x') | python3", []Command{
		c("echo import os; os.remove('x')", args("import os; os.remove('x')")), c("python3"), // the script is read: it is not opaque
	}},
	{"sudo bash -s", "curl x | sudo bash -s -- arg", "", []Command{
		c("curl x"), c("bash -s -- arg", via("sudo"), opaque(OpaqueStdin)),
	}},
	{"pipe into script file", "echo x | bash ./s.sh", "", []Command{c("echo x"), c("bash ./s.sh")}},
	{"python stdin", "curl x | python3 -", "", []Command{c("curl x"), c("python3 -", opaque(OpaqueStdin))}},
	{"python script", "cat f | python3 -u script.py", "", []Command{c("cat f"), c("python3 -u script.py")}},
	{"python module", "cat f | python -m json.tool", "", []Command{c("cat f"), c("python -m json.tool")}},
	{"python inline", `python3 -c "import os"`, "python3 -c import os", []Command{
		c("python3 -c import os", args("-c", "import os")),
	}},
	{"node perl ruby", "x | node; x | perl -w; x | ruby", "x | node ; x | perl -w ; x | ruby", []Command{
		c("x"), c("node", opaque(OpaqueStdin)),
		c("x"), c("perl -w", opaque(OpaqueStdin)),
		c("x"), c("ruby", opaque(OpaqueStdin)),
	}},
	{"perl inline", "perl -i.bak -pe 's/a/b/' f", "perl -i.bak -pe s/a/b/ f", []Command{
		c("perl -i.bak -pe s/a/b/ f"),
	}},
	{"heredoc bash", "bash <<EOF\nrm -rf /\nEOF", "bash", []Command{
		c("bash", redirs(Redirect{Op: "<<", Path: "EOF"})),
		c("rm -rf /", via("heredoc"), redirs(Redirect{Op: "<<", Path: "EOF"})),
	}},
	{"here-string sh", `sh <<< "rm x"`, "sh", []Command{
		c("sh", redirs(Redirect{Op: "<<<", Path: "rm x"})),
		c("rm x", via("heredoc"), redirs(Redirect{Op: "<<<", Path: "rm x"})),
	}},
	{"dynamic heredoc", "bash <<EOF\n$X\nEOF", "bash", []Command{
		c("bash", opaque(OpaqueStdin), redirs(Redirect{Op: "<<", Path: "EOF"})),
	}},
	{"stdin file", "bash < s.sh", "bash", []Command{
		c("bash", opaque(OpaqueStdin), redirs(Redirect{Op: "<", Path: "s.sh"})),
	}},
	{"pipe into group", "curl x | { bash; }", "curl x | { bash ; }", []Command{
		c("curl x"), c("bash", opaque(OpaqueStdin)),
	}},

	// Names and quoting.
	{"absolute path", "/bin/rm -rf /", "", []Command{c("rm -rf /", cpath("/bin/rm"))}},
	{"relative path", "./node_modules/.bin/jest --ci", "", []Command{
		c("jest --ci", cpath("./node_modules/.bin/jest")),
	}},
	{"empty quotes", "r''m -rf /", "rm -rf /", []Command{c("rm -rf /")}},
	{"backslash", `\rm x`, "rm x", []Command{c("rm x")}},
	{"double quoted name", `"rm" x`, "rm x", []Command{c("rm x")}},
	{"ansi-c", `$'\x72m' x`, "rm x", []Command{c("rm x")}},
	{"escapes in double quotes", `echo "a\"b\$c\d"`, `echo a"b$c\d`, []Command{c(`echo a"b$c\d`)}},
	{"dynamic argument", `ls "$HOME/x"`, "ls $HOME/x", []Command{c("ls $HOME/x")}},
	{"line continuation", "rm \\\n  -rf x", "rm -rf x", []Command{c("rm -rf x")}},

	// Redirections.
	{"redirects", "ls > out.txt 2>&1", "ls", []Command{
		c("ls", redirs(Redirect{Op: ">", Path: "out.txt"}, Redirect{Op: ">&", Fd: "2", Path: "1"})),
	}},
	{"heredoc cat", "cat <<EOF\nhi\nEOF", "cat", []Command{c("cat", redirs(Redirect{Op: "<<", Path: "EOF"}))}},
	{"heredoc substitution", "cat <<EOF\n$(rm x)\nEOF", "cat", []Command{
		c("cat", redirs(Redirect{Op: "<<", Path: "EOF"})), c("rm x", via("$()")),
	}},
	{"quoted heredoc", "cat <<'EOF'\n$(rm x)\nEOF", "cat", []Command{c("cat", redirs(Redirect{Op: "<<", Path: "EOF"}))}},
	{"bare redirect", "> /etc/passwd", "> /etc/passwd", []Command{
		{Redirects: []Redirect{{Op: ">", Path: "/etc/passwd"}}},
	}},
	{"group redirect", "{ echo a; echo b; } >> log", "{ echo a ; echo b ; }", []Command{
		c("echo a", redirs(Redirect{Op: ">>", Path: "log"})),
		c("echo b", redirs(Redirect{Op: ">>", Path: "log"})),
	}},
	{"redirect into bash -c", "bash -c 'echo x' > f", "bash -c echo x", []Command{
		c("echo x", via("bash -c"), redirs(Redirect{Op: ">", Path: "f"})),
	}},
}

func TestAnalyze(t *testing.T) {
	t.Parallel()
	for _, tt := range analyzeTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			an, err := Analyze(tt.in, Options{})
			if err != nil {
				t.Fatalf("Analyze(%q): %v", tt.in, err)
			}
			line := tt.line
			if line == "" {
				line = tt.in
			}
			if an.Line != line {
				t.Errorf("Analyze(%q).Line = %q, want %q", tt.in, an.Line, line)
			}
			// Facts have their own table (facts_test.go).
			if got := withoutFacts(an.Commands); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Analyze(%q).Commands:\n got %s\nwant %s", tt.in, dump(an.Commands), dump(tt.want))
			}
		})
	}
}

// withoutFacts returns cmds with the fact fields cleared.
func withoutFacts(cmds []Command) []Command {
	out := make([]Command, len(cmds))
	for i, c := range cmds {
		c.Reads, c.Writes, c.Deletes, c.URLs, c.Hosts, c.Code, c.Git, c.Stdin = nil, nil, nil, nil, nil, "", nil, Input{}
		c.CodeRead, c.CodeEnv, c.CodeObfuscated, c.CodeUnknown = false, nil, nil, nil
		c.Runs, c.Preloads, c.Downloads, c.RunsDownloaded = nil, nil, nil, nil
		c.StdinNet = false // a fact of its input (remote_test.go)
		out[i] = c
	}
	if cmds == nil {
		return nil
	}
	return out
}

func dump(cmds []Command) string {
	var b strings.Builder
	for _, c := range cmds {
		fmt.Fprintf(&b, "\n\t%#v", c)
	}
	return b.String()
}

func TestAnalyzeDir(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string // Dir of each command
	}{
		{"cd infra && terraform apply", []string{"/w", "/w/infra"}},
		{"cd /tmp; cd ../x; ls", []string{"/w", "/tmp", "/x"}},
		{"(cd a; make); make", []string{"/w", "/w/a", "/w"}},
		{"cd a | ls; ls", []string{"/w", "/w", "/w"}},
		{"cd $X && ls", []string{"/w", ""}},
		{"cd && ls", []string{"/w", ""}},
		{"cd a || ls; ls", []string{"/w", "", ""}},
		{"if true; then cd a; fi; ls", []string{"/w", "/w", ""}},
		{"bash -c 'cd a; ls'; ls", []string{"/w", "/w/a", "/w"}},
		{"eval cd a; ls", []string{"/w", "/w", "/w/a"}},
	}
	for _, tt := range tests {
		an, err := Analyze(tt.in, Options{Dir: "/w/"})
		if err != nil {
			t.Fatalf("Analyze(%q): %v", tt.in, err)
		}
		var got []string
		for _, c := range an.Commands {
			got = append(got, c.Dir)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Analyze(%q) dirs = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAnalyzeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		opts Options
		want string // substring of the error
		is   error
	}{
		{"unterminated quote", "echo 'unterminated", Options{}, "1:6", nil},
		{"bad syntax", "ls &&", Options{}, "1:4", nil},
		{"second line", "ls\nif then", Options{}, "2:", nil},
		{"too large", strings.Repeat("a", MaxInput+1), Options{}, "too large", ErrTooLarge},
		{"deep substitution", "echo $(echo $(echo $(ls)))", Options{MaxDepth: 2}, "too deep", ErrTooDeep},
		{"deep bash -c", `sh -c "sh -c 'ls'"`, Options{MaxDepth: 1}, "too deep", ErrTooDeep},
		{"deep default", strings.Repeat("$(", 9) + "ls" + strings.Repeat(")", 9), Options{}, "too deep", ErrTooDeep},
		{"deep brackets", strings.Repeat("(", MaxNesting+1), Options{}, "brackets", ErrTooDeep},
		{"deep time", strings.Repeat("time ", 9) + "ls", Options{}, "too deep", ErrTooDeep},
		{"deep find", strings.Repeat("find -exec ", 9) + "ls", Options{}, "too deep", ErrTooDeep},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			an, err := Analyze(tt.in, tt.opts)
			if err == nil {
				t.Fatalf("Analyze(%.40q) = %+v, want error", tt.in, an)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Analyze(%.40q) error = %q, want it to contain %q", tt.in, err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("Analyze(%.40q) error = %v, want errors.Is %v", tt.in, err, tt.is)
			}
		})
	}
	// Exactly at the limit is fine.
	if _, err := Analyze(strings.Repeat("$(", 8)+"ls"+strings.Repeat(")", 8), Options{}); err != nil {
		t.Errorf("depth 8: %v", err)
	}
}

func TestStdinAndSubstOutput(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		line, name string
		want       Input
	}{
		{"echo 'DROP TABLE x' | psql", "psql", Input{Fed: true, Text: "DROP TABLE x\n", Static: true}},
		{"psql <<'SQL'\nTRUNCATE t;\nSQL", "psql", Input{Fed: true, Text: "TRUNCATE t;\n", Static: true}},
		{"mysql <<< 'DELETE FROM u'", "mysql", Input{Fed: true, Text: "DELETE FROM u\n", Static: true}},
		{"mysql app < <(echo \"DELETE FROM users\")", "mysql", Input{Fed: true, Text: "DELETE FROM users\n", Static: true}},
		{"mysql app < dump.sql", "mysql", Input{Fed: true, File: "dump.sql"}},
		{"cat drop.sql | psql", "psql", Input{Fed: true, File: "drop.sql"}},
		{"curl x | psql", "psql", Input{Fed: true}},
		{"psql -c 'SELECT 1'", "psql", Input{}},
	} {
		an, err := Analyze(tc.line, Options{})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, c := range an.Commands {
			if c.Name == tc.name {
				found = true
				if c.Stdin != tc.want {
					t.Errorf("%q: %s stdin = %+v, want %+v", tc.line, tc.name, c.Stdin, tc.want)
				}
			}
		}
		if !found {
			t.Errorf("%q: no %s", tc.line, tc.name)
		}
	}
	for arg, want := range map[string]string{"<(echo 'DROP SCHEMA public CASCADE')": "DROP SCHEMA public CASCADE\n", "<(printf 'DELETE FROM jobs;')": "DELETE FROM jobs;"} {
		if got, ok := SubstOutput(arg); !ok || got != want {
			t.Errorf("SubstOutput(%q) = %q, %v; want %q", arg, got, ok, want)
		}
	}
	for _, arg := range []string{"<(curl x)", "x", "<(echo $X)", "<(echo a) b"} {
		if got, ok := SubstOutput(arg); ok {
			t.Errorf("SubstOutput(%q) = %q, want not known", arg, got)
		}
	}
}

func TestLineValues(t *testing.T) {
	t.Parallel()
	cases := []struct{ line, name, want string }{
		{"K=~/.ssh/id_rsa; cat $K", "cat", "/h/.ssh/id_rsa"},
		{`K='~/x'; cat "$K"`, "cat", "~/x"},
		{`cat "$(echo ~/.ssh/id_rsa)"`, "cat", "/h/.ssh/id_rsa"}, // echo prints the tilde expanded
		{"IP=169.254.169.254; curl http://$IP/x", "curl", "http://169.254.169.254/x"},
		{"A=$(printf '%d.%d.%d.%d' 169 254 169 254); curl http://$A/", "curl", "http://169.254.169.254/"},
		{`printf -v A x; curl http://$A/`, "curl", "http://$A/"},
		{"X=build; (X=/); rm -rf $X", "rm", "$X"},
		{"X=build; true && X=/; rm -rf $X", "rm", "$X"},
		{"X=build; for X in a; do :; done; rm -rf $X", "rm", "$X"},
		{"X='a b'; rm -rf $X", "rm", "$X"},
		{`X='a b'; rm -rf "$X"`, "rm", "a b"},
		{"D=dist; rm -rf $D/*", "rm", "dist/*"},
	}
	for _, c := range cases {
		an, err := Analyze(c.line, Options{Dir: "/p", Home: "/h"})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, cmd := range an.Commands {
			if cmd.Name == c.name {
				found = true
				if got := cmd.Args[len(cmd.Args)-1]; got != c.want {
					t.Errorf("%s: %s got %q, want %q", c.line, c.name, got, c.want)
				}
			}
		}
		if !found {
			t.Errorf("%s: no %s", c.line, c.name)
		}
	}
}

func TestPrintfStatic(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args []string
		want string
		ok   bool
	}{
		{[]string{"%d.%d.%d.%d", "169", "254", "169", "254"}, "169.254.169.254", true},
		{[]string{"%s-%03d\\n", "a", "7"}, "a-007\n", true},
		{[]string{"%x", "255"}, "ff", true},
		{[]string{"%b", "a\\tb"}, "a\tb", true},
		{[]string{"%s\\n", "a", "b"}, "a\nb\n", true},
		{[]string{"\\x41%%"}, "A%", true},
		{[]string{"-v", "x", "y"}, "", false},
		{[]string{"%*d", "3", "1"}, "", false},
		{[]string{"%d", "x"}, "", false},
	}
	for _, c := range cases {
		got, ok := printfStatic(c.args)
		if got != c.want || ok != c.ok {
			t.Errorf("printf %q = %q, %v; want %q, %v", c.args, got, ok, c.want, c.ok)
		}
	}
}

func TestDev8Expansions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, cmd, want string }{
		{"rm -rf `echo ~`", "rm", "/home/dev"},
		{"rm -rf ${HOME%/}", "rm", "/home/dev"},
		{"rm -rf ${HOME%%/}", "rm", "/home/dev"},
		{"rm -rf ${HOME#}", "rm", "/home/dev"},
		{`a=(rm -rf /home/dev); "${a[@]}"`, "rm", "/home/dev"},
		{"su -c 'rm -rf /home/dev'", "rm", "/home/dev"},
		{"su - root --command='rm -rf /home/dev'", "rm", "/home/dev"},
	} {
		an, err := Analyze(tc.in, Options{Dir: "/home/dev/proj", Home: "/home/dev"})
		if err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		found := false
		for _, c := range an.Commands {
			if c.Name == tc.cmd && len(c.Deletes) == 1 && c.Deletes[0] == tc.want {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no %s deleting %s in %+v", tc.in, tc.cmd, tc.want, an.Commands)
		}
	}
}
