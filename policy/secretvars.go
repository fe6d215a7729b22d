package policy

import (
	"strings"

	"github.com/cavra-dev/cavra/internal/secrets"
)

// secretVars returns the names of secret-holding environment variables a
// command is given: referenced in its arguments or a here-string
// ($GITHUB_TOKEN, "${AWS_SECRET_ACCESS_KEY:-}", ${NPM_TOKEN@Q},
// `cat <<< "$TOKEN"`), named as operands of printenv or of declare -p /
// typeset -p / export -p, or reached by indirection (${!name}, whose
// target only run time knows, counts as "!name"). The length ${#TOKEN}
// and the names ${!PREFIX*} print no value. What the command does with
// them (prints, sends) is for the rules. Names are judged by
// secrets.SecretEnvName, the one definition the project shares.
func secretVars(c *CommandFacts) []string {
	if c.secretVarsDone {
		return c.secretVars
	}
	c.secretVars, c.secretVarsDone = findSecretVars(c), true
	return c.secretVars
}

func findSecretVars(c *CommandFacts) []string {
	var out []string
	for _, name := range c.CodeEnv {
		if name != "*" && secrets.SecretEnvName(name) {
			out = addUnique(out, name)
		}
	}
	named := c.Name == "printenv"
	if c.Name == "declare" || c.Name == "typeset" || c.Name == "export" || c.Name == "readonly" || c.Name == "local" {
		for _, a := range c.Args {
			if strings.HasPrefix(a, "-") && strings.Contains(a, "p") {
				named = true
			}
		}
	}
	scan := func(a string) {
		for i := 0; i < len(a); i++ {
			if a[i] != '$' {
				continue
			}
			j := i + 1
			if name, ok := printenvSubst(a[j:]); ok {
				// $(printenv NAME) is the variable's value.
				if secrets.SecretEnvName(name) {
					out = addUnique(out, name)
				}
				continue
			}
			braced := j < len(a) && a[j] == '{'
			if braced {
				j++
			}
			indirect := braced && j < len(a) && a[j] == '!'
			if indirect {
				j++
			}
			k := j
			for k < len(a) && (a[k] == '_' || a[k] >= 'A' && a[k] <= 'Z' || a[k] >= 'a' && a[k] <= 'z' || k > j && a[k] >= '0' && a[k] <= '9') {
				k++
			}
			name := a[j:k]
			switch {
			case name == "":
			case indirect:
				if k < len(a) && (a[k] == '*' || a[k] == '@') {
					break // ${!PREFIX*}: the names, not the values
				}
				out = addUnique(out, "!"+name)
			case secrets.SecretEnvName(name):
				out = addUnique(out, name)
			}
			i = k - 1
		}
	}
	for _, a := range c.Args {
		if named && !strings.HasPrefix(a, "-") && secrets.SecretEnvName(a) {
			out = addUnique(out, a)
			continue
		}
		scan(a)
	}
	for _, s := range c.hereStrings {
		scan(s)
	}
	return out
}

// printenvSubst reads the name in a substitution "(printenv NAME)" at the
// start of s.
func printenvSubst(s string) (string, bool) {
	rest, ok := strings.CutPrefix(s, "(")
	if !ok {
		return "", false
	}
	rest, ok = strings.CutPrefix(strings.TrimLeft(rest, " \t"), "printenv")
	if !ok || rest == "" || rest[0] != ' ' && rest[0] != '\t' {
		return "", false
	}
	name, _, ok := strings.Cut(strings.TrimLeft(rest, " \t"), ")")
	name = strings.TrimSpace(name)
	return name, ok && name != "" && !strings.ContainsAny(name, " \t$`")
}
