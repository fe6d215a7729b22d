package glob

import (
	"fmt"
	"strings"
)

// Command is a command pattern of a pack's commands lists, with the
// original CAVRA semantics. It is not a file glob: `*` matches any run of
// characters, spaces and slashes included ("terraform apply*" matches
// "terraform apply -var-file=env/prod.tfvars"); there is no `?`, class,
// escape or `**`; everything else is literal and the whole subject must
// match. Runs of whitespace in the pattern are one space, as commands are
// normalized the same way, and the first word is reduced to its base name
// ("/usr/bin/terraform apply*" is "terraform apply*") unless its directory
// holds a `*`. A pattern containing "|", ";" or "&" is a line pattern,
// meant for the whole normalized command line (Line).
type Command struct {
	src   string
	parts []string // literal pieces between stars
	star0 bool     // pattern starts with *
	starN bool     // pattern ends with *
	line  bool     // pattern contains a shell operator: match the whole line
}

// CompileCommand parses a command pattern.
func CompileCommand(pattern string) (Command, error) {
	norm := strings.Join(strings.Fields(pattern), " ")
	if norm == "" {
		return Command{}, fmt.Errorf("empty command pattern %q", pattern)
	}
	g := Command{src: pattern, line: strings.ContainsAny(norm, "|;&")}
	if !g.line {
		// Commands are normalized to their base name; do the same to the pattern's first word.
		first, rest, _ := strings.Cut(norm, " ")
		if i := strings.LastIndexByte(first, '/'); i >= 0 && !strings.Contains(first[:i], "*") {
			first = first[i+1:]
		}
		norm = strings.TrimSpace(first + " " + rest)
	}
	g.star0 = strings.HasPrefix(norm, "*")
	g.starN = strings.HasSuffix(norm, "*")
	for _, p := range strings.Split(norm, "*") {
		if p != "" {
			g.parts = append(g.parts, p)
		}
	}
	return g, nil
}

// String returns the pattern as written.
func (g *Command) String() string { return g.src }

// Line reports whether the pattern is meant for a whole command line (it
// contains "|", ";" or "&") rather than for one simple command.
func (g *Command) Line() bool { return g.line }

// LiteralPrefix returns the literal text before the pattern's first `*`,
// and whether the pattern has no `*` at all.
func (g *Command) LiteralPrefix() (prefix string, whole bool) {
	if g.star0 || len(g.parts) == 0 {
		return "", false
	}
	return g.parts[0], len(g.parts) == 1 && !g.starN
}

// Match reports whether the whole of s matches. s is expected to be
// normalized as patterns are (single spaces).
func (g *Command) Match(s string) bool {
	parts := g.parts
	if len(parts) == 0 {
		return g.star0 // the pattern is only stars
	}
	if !g.star0 {
		if !strings.HasPrefix(s, parts[0]) {
			return false
		}
		s = s[len(parts[0]):]
		parts = parts[1:]
		if len(parts) == 0 {
			return g.starN || s == ""
		}
	}
	last := len(parts) - 1
	for i, p := range parts {
		if i == last && !g.starN {
			return strings.HasSuffix(s, p)
		}
		j := strings.Index(s, p)
		if j < 0 {
			return false
		}
		s = s[j+len(p):]
	}
	return true
}
