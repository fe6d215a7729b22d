package shell

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func analyzeOne(t *testing.T, line string) []Command {
	t.Helper()
	an, err := Analyze(line, Options{Dir: "/proj", Home: "/home/u"})
	if err != nil {
		t.Fatalf("Analyze(%q): %v", line, err)
	}
	return an.Commands
}

func findCmd(cmds []Command, text string) *Command {
	for i := range cmds {
		if cmds[i].Text == text {
			return &cmds[i]
		}
	}
	return nil
}

func TestSedEffects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		line          string
		writes, reads []string
		opaque        string
		runs, deletes string // text of a command the script runs, and its delete
	}{
		{line: "sed 'e rm -rf ~' f", reads: []string{"f"}, runs: "rm -rf ~", deletes: "~"},
		{line: "sed -n '1e rm -rf /tmp/x' f", reads: []string{"f"}, runs: "rm -rf /tmp/x", deletes: "/tmp/x"},
		{line: "sed '1!{e rm -rf ~\n}' f", reads: []string{"f"}, runs: "rm -rf ~", deletes: "~"},
		{line: "sed 'w /etc/passwd' f", reads: []string{"f"}, writes: []string{"/etc/passwd"}},
		{line: "sed -e 's/a/b/w out.txt' f", reads: []string{"f"}, writes: []string{"out.txt"}},
		{line: "sed 's/a/b/;w out' f", reads: []string{"f"}, writes: []string{"out"}},
		{line: "sed '$!W out2' f", reads: []string{"f"}, writes: []string{"out2"}},
		{line: "sed -ne '/foo/,/bar/w log' f", reads: []string{"f"}, writes: []string{"log"}},
		{line: "sed --expression='w x' f", reads: []string{"f"}, writes: []string{"x"}},
		{line: "sed -n 'p;w /dev/stdout' f", reads: []string{"f"}},
		{line: "sed '/x/r /etc/shadow' f", reads: []string{"f", "/etc/shadow"}},
		{line: "sed 'R secrets.txt' f", reads: []string{"f", "secrets.txt"}},
		{line: "sed e f", reads: []string{"f"}, opaque: OpaqueStdin},
		{line: "sed 's/x/y/e' f", reads: []string{"f"}, opaque: OpaqueStdin},
		{line: "sed 's/a/b/g' f", reads: []string{"f"}},
	}
	for _, tt := range tests {
		cmds := analyzeOne(t, tt.line)
		s := cmds[0]
		if s.Name != "sed" || !slices.Equal(s.Writes, tt.writes) || !slices.Equal(s.Reads, tt.reads) || s.Opaque != tt.opaque {
			t.Errorf("%q: sed writes %q reads %q opaque %q; want %q %q %q", tt.line, s.Writes, s.Reads, s.Opaque, tt.writes, tt.reads, tt.opaque)
		}
		if tt.runs == "" {
			if len(cmds) != 1 {
				t.Errorf("%q: %d commands, want 1", tt.line, len(cmds))
			}
			continue
		}
		r := findCmd(cmds, tt.runs)
		if r == nil || !slices.Equal(r.Deletes, []string{tt.deletes}) || !slices.Equal(r.Via, []string{"sed e "}) {
			t.Errorf("%q: run command %+v, want %q deleting %q via sed e", tt.line, r, tt.runs, tt.deletes)
		}
	}
}

func TestSedProgram(t *testing.T) {
	t.Parallel()
	tests := []struct {
		script string
		want   []sedCommand
	}{
		{"e rm -rf ~", []sedCommand{{run: "rm -rf ~"}}},
		{"e", []sedCommand{{execInput: true}}},
		{"s/a/b/e", []sedCommand{{execInput: true}}},
		{"s/a/b/gw out", []sedCommand{{write: "out"}}},
		{"s|a/w x|b|", nil}, // w inside the pattern is not a flag
		{"y/abc/xyz/", nil},
		{"/w/d", nil},
		{`\,r x,d`, nil},
		{"1,5!{r in\n}", []sedCommand{{read: "in"}}},
		{"0~2W two", []sedCommand{{write: "two"}}},
		{"a w x", nil},
		{"i\\\ne x", []sedCommand{{run: "x"}}}, // the text line after i\ is read as a command (conservative)
		{"b end;w out", []sedCommand{{write: "out"}}},
		{"p;R r1\nw w1", []sedCommand{{read: "r1"}, {write: "w1"}}},
		{"", nil},
	}
	for _, tt := range tests {
		if got := sedProgram(tt.script); !slices.Equal(got, tt.want) {
			t.Errorf("sedProgram(%q) = %+v, want %+v", tt.script, got, tt.want)
		}
	}
}

func FuzzSedProgram(f *testing.F) {
	for _, s := range []string{"e rm -rf ~", "s/a/b/w f", "1!{r x\n}", `\,a,w y`, "s/a/b/e;p", "/x/,$W z", "y/a/b/", "s/\\"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, script string) {
		cmds := sedProgram(script)
		if len(cmds) > 64 {
			t.Fatalf("%d commands", len(cmds))
		}
		for _, c := range cmds {
			for _, s := range []string{c.run, c.write, c.read} {
				if !strings.Contains(script, s) {
					t.Fatalf("%q not in script %q", s, script)
				}
			}
		}
	})
}

func TestTransformStaticPipedToShell(t *testing.T) {
	t.Parallel()
	for _, line := range []string{
		"tr a-y b-z <<< 'ql -qe ~' | sh",
		"rev <<< '~ fr- mr' | sh",
		"echo 'rm -rf ~' | tr -d 'Q' | sh",
		"tr -d Q <<< 'rQm -rf ~' | bash",
	} {
		cmds := analyzeOne(t, line)
		rm := findCmd(cmds, "rm -rf ~")
		if rm == nil || !slices.Equal(rm.Deletes, []string{"~"}) {
			t.Errorf("%q: no rm -rf ~ deleting ~ in %+v", line, cmds)
		}
		obf := slices.ContainsFunc(cmds, func(c Command) bool { return len(c.CodeObfuscated) > 0 && isShell(c.Name) })
		if !obf {
			t.Errorf("%q: no CodeObfuscated mark on the shell", line)
		}
	}
	// Classes are not modelled: nothing is made up.
	cmds := analyzeOne(t, "tr '[:lower:]' '[:upper:]' <<< 'ls' | sh")
	if len(cmds) != 2 {
		t.Errorf("tr with classes: %d commands, want 2 (tr, sh)", len(cmds))
	}
}

func trWords(vs ...string) []word {
	var ws []word
	for _, v := range vs {
		ws = append(ws, word{val: v, static: true})
	}
	return ws
}

func TestTrSet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"a-e", "abcde", true},
		{"xa-c", "xabc", true},
		{"a-", "a-", true},
		{"z-a", "", false},
		{"-d", "", false},
		{"[:alpha:]", "", false},
		{`\n`, "", false},
	}
	for _, tt := range tests {
		got, ok := trSet(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("trSet(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	if got, ok := transformStatic(trWords("tr", "-d", "a-c"), "abcxyz"); !ok || got != "xyz" {
		t.Errorf("tr -d a-c: %q %v", got, ok)
	}
	if _, ok := transformStatic(trWords("tr", "-s", "a", "b"), "aa"); ok {
		t.Error("tr -s is not modelled but was transformed")
	}
	if got, ok := transformStatic(trWords("rev"), "ab\ncd"); !ok || got != "ba\ndc" {
		t.Errorf("rev: %q %v", got, ok)
	}
}

// refTr is tr SET1 SET2 for sets made of a-z ranges and single letters:
// SET2 is padded with its last character.
func refTr(set1, set2, text string) string {
	expand := func(s string) []byte {
		var b []byte
		for i := 0; i < len(s); i++ {
			if i+2 < len(s) && s[i+1] == '-' {
				for c := s[i]; c <= s[i+2]; c++ {
					b = append(b, c)
				}
				i += 2
				continue
			}
			b = append(b, s[i])
		}
		return b
	}
	from, to := expand(set1), expand(set2)
	m := map[byte]byte{}
	for i, c := range from {
		m[c] = to[min(i, len(to)-1)] // the last mapping of a repeated char wins, as in GNU tr
	}
	out := []byte(text)
	for i, c := range out {
		if t, ok := m[c]; ok {
			out[i] = t
		}
	}
	return string(out)
}

// letterSet makes a tr set of lower-case letters and ranges from fuzz bytes.
func letterSet(b []byte) string {
	var s strings.Builder
	for i := 0; i < len(b) && i < 8; i++ {
		lo := 'a' + b[i]%26
		if b[i]&0x80 != 0 && i+1 < len(b) {
			hi := lo + b[i+1]%('z'-lo+1)
			s.WriteByte(lo)
			s.WriteByte('-')
			s.WriteByte(hi)
			i++
			continue
		}
		s.WriteByte(lo)
	}
	return s.String()
}

func FuzzTransformStatic(f *testing.F) {
	f.Add([]byte{0x80, 24}, []byte{0x81, 24}, "ql -qe ~")
	f.Add([]byte{1, 2, 3}, []byte{4}, "abcdef")
	f.Fuzz(func(t *testing.T, b1, b2 []byte, text string) {
		if !utf8.ValidString(text) {
			return // strings.Map rewrites invalid bytes to U+FFFD where tr keeps them (reported, not modelled)
		}
		s1, s2 := letterSet(b1), letterSet(b2)
		if s1 == "" || s2 == "" || strings.Contains(s1, "-") && strings.HasPrefix(s1, "-") {
			return
		}
		got, ok := transformStatic(trWords("tr", s1, s2), text)
		if !ok {
			t.Fatalf("tr %q %q not modelled", s1, s2)
		}
		if want := refTr(s1, s2, text); got != want {
			t.Fatalf("tr %q %q on %q = %q, want %q", s1, s2, text, got, want)
		}
	})
}
