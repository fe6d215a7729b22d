package glob

import "strings"

// Overlaps reports whether some path matches both g and the shell glob
// shell: a slash-separated path relative to g's anchor whose segments may
// hold `*`, `?` and bracket classes, as a shell expands them (no `**`; a
// wildcard does not match a leading dot). It is how a command's glob
// operand (`cat .en?`, `cat ~/.ss*/id_*`) is judged against the policy's
// path lists before the shell expands it: a glob that can name a protected
// path counts as naming it. Bracket classes are taken to overlap any
// character or class they could (an over-approximation, which errs toward
// protection). Linear in the product of the sizes.
func (g *Glob) Overlaps(shell string) bool { return g.overlaps(shell, false) }

// OverlapsUnder is Overlaps for what deleting the glob's matches removes:
// the paths it names and everything below them.
func (g *Glob) OverlapsUnder(shell string) bool { return g.overlaps(shell, true) }

func (g *Glob) overlaps(shell string, under bool) bool {
	parts := strings.Split(shell, "/")
	segs := make([][]tok, 0, len(parts))
	for _, p := range parts {
		if p == "" || p == "." {
			continue
		}
		if p == "**" {
			// A ** segment (find's selection under a start path, bash's
			// globstar) stands for zero or more segments that are not dot
			// names (as the shell's * segment: find would descend into
			// .git too, but `find . -name '*.py'` is not taken to name
			// what a pattern protects under a dot directory).
			segs = append(segs, nil)
			continue
		}
		segs = append(segs, tokens(p, true))
	}
	pats := make([][]tok, len(g.segs))
	for i := range g.segs {
		if !g.segs[i].dstar {
			pats[i] = segTokens(&g.segs[i])
		}
	}
	memo := map[[2]int]bool{}
	var rec func(i, j int) bool
	rec = func(i, j int) bool {
		k := [2]int{i, j}
		if v, ok := memo[k]; ok {
			return v
		}
		var r bool
		switch {
		case i == len(g.segs):
			r = j == len(segs)
		case g.segs[i].dstar:
			r = rec(i+1, j) || (j < len(segs) && rec(i, j+1))
		case j < len(segs) && segs[j] == nil:
			// It stands for named directories, so, as a bare *, not for
			// one a pattern protects in any directory.
			r = rec(i, j+1) || !(i > 0 && g.segs[i-1].dstar) && segOverlap(pats[i], starTok) && rec(i+1, j)
		case j == len(segs):
			r = false
		default:
			// Below a deleted directory is whatever the pattern names
			// further down, when the directory is one the pattern names
			// by a segment of its own (not only through a **).
			r = segCould(pats[i], segs[j], i > 0 && g.segs[i-1].dstar) && (under && j+1 == len(segs) && i+1 < len(g.segs) || rec(i+1, j+1))
		}
		memo[k] = r
		return r
	}
	return rec(0, 0)
}

// starTok is a shell `*` segment: any name but a dot name.
var starTok = []tok{{kind: 'n'}, {kind: '*'}}

// tok is one element of a segment pattern.
type tok struct {
	kind  byte // 'c' a character, '?' any one, '[' a class, '*' any run
	c     rune
	class string
}

func segTokens(sg *seg) []tok {
	if !sg.wild {
		t := make([]tok, 0, len(sg.lit))
		for _, c := range sg.lit {
			t = append(t, tok{kind: 'c', c: c})
		}
		return t
	}
	return tokens(sg.lit, false)
}

// tokens splits a segment pattern. In a shell glob a leading wildcard does
// not match a dot, recorded as a leading 'n' marker.
func tokens(str string, shell bool) []tok {
	var t []tok
	s := []rune(str)
	if shell && len(s) > 0 && s[0] != '.' && (s[0] == '*' || s[0] == '?' || s[0] == '[') {
		t = append(t, tok{kind: 'n'})
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '*':
			if len(t) == 0 || t[len(t)-1].kind != '*' {
				t = append(t, tok{kind: '*'})
			}
		case '?':
			t = append(t, tok{kind: '?'})
		case '[':
			end := classEnd(s[i+1:], !shell)
			if end < 0 {
				t = append(t, tok{kind: 'c', c: c})
				continue
			}
			if end == 0 && i+2 < len(s) { // []…] holds a literal ]
				if e2 := runeIndex(s[i+2:], ']'); e2 >= 0 {
					end = e2 + 1
				}
			}
			t = append(t, tok{kind: '[', class: string(s[i+1 : i+1+end])})
			i += end + 1
		case '\\':
			if !shell && i+1 < len(s) {
				i++
			}
			t = append(t, tok{kind: 'c', c: s[i]})
		default:
			t = append(t, tok{kind: 'c', c: c})
		}
	}
	return t
}

// segCould reports whether a shell glob segment is taken to name what a
// pattern segment names. A whole-name `*` names everything (but dot
// files); a segment that starts with a literal (`.en?`, `id_*`) names what
// it overlaps; one that starts with a wildcard and goes on with a literal
// (`*.go`) names files by their ending, so it counts only against a
// pattern segment that also starts with a wildcard (`*.pem`) when the pattern
// names it in any directory (after **): `src/*.go` is taken to read Go files, not
// secrets.go; in a directory the pattern names, `~/.ssh/*_rsa` lists id_rsa.
// A leading `?` or bracket
// class stands for one character of a name (`?d_rsa`, `[ci]*`), so it
// names what it overlaps. anyDir: the pattern segment follows a **.
func segCould(pat, sh []tok, anyDir bool) bool {
	lead := sh
	if len(lead) > 0 && lead[0].kind == 'n' {
		lead = lead[1:]
	}
	if anyDir && len(lead) == 1 && lead[0].kind == '*' {
		// A name the pattern protects in any directory is not taken to be
		// in every directory a bare * lists.
		return false
	}
	if anyDir && len(lead) > 1 && lead[0].kind == '*' && len(pat) > 0 && pat[0].kind == 'c' {
		// Only for a name protected in any directory: in the directory a
		// pattern names (~/.ssh/id_*), a glob by ending (*_rsa) lists it.
		return false
	}
	return segOverlap(pat, sh)
}

// segOverlap reports whether some name matches both segment patterns; b
// is the shell side and may start with the no-leading-dot marker.
func segOverlap(a, b []tok) bool {
	if len(b) > 0 && b[0].kind == 'n' {
		b = b[1:]
		if len(a) > 0 && a[0].kind == 'c' && a[0].c == '.' {
			return false
		}
	}
	memo := make([]int8, (len(a)+1)*(len(b)+1))
	var rec func(i, j int) bool
	rec = func(i, j int) bool {
		m := &memo[i*(len(b)+1)+j]
		if *m != 0 {
			return *m > 0
		}
		var r bool
		switch {
		case i == len(a) && j == len(b):
			r = true
		case i < len(a) && a[i].kind == '*':
			r = rec(i+1, j) || (j < len(b) && rec(i, j+1))
		case j < len(b) && b[j].kind == '*':
			r = rec(i, j+1) || (i < len(a) && rec(i+1, j))
		case i == len(a) || j == len(b):
			r = false
		default:
			r = charOverlap(a[i], b[j]) && rec(i+1, j+1)
		}
		if r {
			*m = 1
		} else {
			*m = -1
		}
		return r
	}
	return rec(0, 0)
}

func charOverlap(x, y tok) bool {
	switch {
	case x.kind == 'c' && y.kind == 'c':
		return x.c == y.c
	case x.kind == 'c' && y.kind == '[':
		return classHas(y.class, x.c)
	case x.kind == '[' && y.kind == 'c':
		return classHas(x.class, y.c)
	}
	return true // ? or two classes: assume they share a character
}

// classHas reports whether a bracket class (without its brackets) holds c.
func classHas(cls string, c rune) bool {
	class := []rune(cls)
	neg := false
	if len(class) > 0 && (class[0] == '!' || class[0] == '^') {
		neg, class = true, class[1:]
	}
	in := false
	for i := 0; i < len(class); i++ {
		lo := class[i]
		if lo == '\\' && i+1 < len(class) {
			i++
			lo = class[i]
		}
		hi := lo
		if i+2 < len(class) && class[i+1] == '-' {
			hi = class[i+2]
			i += 2
		}
		if lo <= c && c <= hi {
			in = true
		}
	}
	return in != neg
}

// HasMeta reports whether a path holds shell glob characters.
func HasMeta(p string) bool { return strings.ContainsAny(p, "*?[") }

// classEnd is the index of the ] that closes a bracket class whose body
// starts s, -1 when none does; in a pattern (escapes) a \ escapes the
// next character, so [\]0] is the class of ] and 0.
func classEnd(s []rune, escapes bool) int {
	for k := 0; k < len(s); k++ {
		switch {
		case escapes && s[k] == '\\':
			k++
		case s[k] == ']':
			return k
		}
	}
	return -1
}

func runeIndex(s []rune, r rune) int {
	for i, c := range s {
		if c == r {
			return i
		}
	}
	return -1
}
