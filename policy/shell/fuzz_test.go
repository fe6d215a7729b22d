package shell

import (
	"reflect"
	"strings"
	"testing"
)

func FuzzAnalyze(f *testing.F) {
	for _, tt := range analyzeTests {
		f.Add(tt.in)
	}
	for _, s := range []string{
		"echo 'unterminated", "ls &&", "if then", "$(", "`", "<<", "cat <<EOF", "a |& b",
		"coproc x { ls; }", "let i=$(rm x)+1", "declare -a a=( $(ls) )", "select x in a b; do rm $x; done",
		"for ((i=0; i<$(n); i++)); do :; done", "a[$(rm x)]=1", "${x[$(rm y)]}", "echo $((1 + $(rm z)))",
		"env -S", "env -S ''", "sudo --", "xargs -I", "timeout", "find -exec", "find . -exec ;",
		"bash -c", "bash -o", "watch", "watch -n", "eval", "eval eval eval ls", "nice -n",
		"$'\\x'", "$'\\u'", "$'\\777\\c'", "\"\\", "echo {a,b}{1..3}", "{rm,x}", "[", "]", "?(a)",
		"bash <<'EOF'\nbash <<'X'\nrm\nX\nEOF", "sh <<< \"$(rm x)\"", "cd ../../..", "cd ~; cd -",
		"f() (rm x); function g { ls; }", "! ! ls", "ls & ; ls", "a=1; b+=2; c[1]=3; d=(1 2)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		an, err := Analyze(line, Options{Dir: "/w"})
		if err != nil {
			if strings.Contains(err.Error(), "internal error") {
				t.Fatalf("Analyze(%q): %v", line, err)
			}
			return
		}
		again, err := Analyze(line, Options{Dir: "/w"})
		if err != nil || !reflect.DeepEqual(an, again) {
			t.Fatalf("Analyze(%q) is not deterministic: %v", line, err)
		}
		for _, c := range an.Commands {
			want := strings.Join(append([]string{c.Name}, c.Args...), " ")
			if c.Dynamic && c.Name == "" {
				if len(c.Args) > 0 && !strings.HasSuffix(c.Text, " "+strings.Join(c.Args, " ")) {
					t.Errorf("Analyze(%q): dynamic Text %q does not end with Args %q", line, c.Text, c.Args)
				}
				if c.Opaque == "" {
					t.Errorf("Analyze(%q): dynamic name without Opaque: %+v", line, c)
				}
				continue
			}
			if c.Text != want {
				t.Errorf("Analyze(%q): Text %q, want Name and Args %q", line, c.Text, want)
			}
			if c.Path != "" && !strings.HasSuffix(c.Path, c.Name) {
				t.Errorf("Analyze(%q): Path %q does not end with Name %q", line, c.Path, c.Name)
			}
			if c.Text == "" && (c.Name != "" || len(c.Args) > 0) {
				t.Errorf("Analyze(%q): empty Text for %+v", line, c)
			}
		}
	})
}
