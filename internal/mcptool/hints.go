package mcptool

import (
	"fmt"
	"sort"
	"strings"
)

// Hints are what a server (or the program that guards it) says about one
// of its tools, beyond its name: which argument is what, and whether its
// paths are this machine's. They travel in the action's context
// (decision.ContextToolArgRoles, decision.ContextToolLocal) so that the
// Guard, the policy and the evidence record see the same.
type Hints struct {
	// Roles gives an argument's role by its name (the property name, at
	// any depth; the elements of an array take the array's role). It
	// replaces what the name alone would make the argument.
	Roles map[string]Role
	// Local: the tool's paths are this machine's, relative ones under the
	// action's working directory.
	Local bool
}

// roleNames are the role words of the roles format; read and write are
// the easy names of source and destination.
var roleNames = map[string]Role{
	"path": Path, "read": Source, "source": Source, "write": Destination, "destination": Destination,
	"dir": Dir, "command": Command, "code": Code, "url": URL, "host": Host, "sql": SQL, "branch": Branch,
}

// ParseRole reads one role word: path, read (source), write
// (destination), dir, command, code, url, host, sql or branch.
func ParseRole(s string) (Role, error) {
	r, ok := roleNames[strings.ToLower(strings.TrimSpace(s))]
	if !ok {
		return 0, fmt.Errorf("argument role %q is not path, read, write, dir, command, code, url, host, sql or branch", s)
	}
	return r, nil
}

// FormatRoles writes roles as "name=role,name=role", sorted by name: the
// value of decision.ContextToolArgRoles. Names holding "=" or "," cannot
// be written and are left out.
func FormatRoles(roles map[string]Role) string {
	names := make([]string, 0, len(roles))
	for n, r := range roles {
		if r == 0 || int(r) > int(Branch) || n == "" || strings.ContainsAny(n, "=,") {
			continue
		}
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(n)
		b.WriteByte('=')
		b.WriteString(roles[n].String())
	}
	return b.String()
}

// ParseRoles reads FormatRoles's format. An entry it cannot read is left
// out: that argument is judged by its name, as without hints.
func ParseRoles(s string) map[string]Role {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	out := map[string]Role{}
	for _, e := range strings.Split(s, ",") {
		n, r, ok := strings.Cut(e, "=")
		if !ok {
			continue
		}
		role, err := ParseRole(r)
		if err != nil {
			continue
		}
		out[strings.TrimSpace(n)] = role
	}
	return out
}

// HintsOf reads the hints of an action's context values
// decision.ContextToolArgRoles and decision.ContextToolLocal.
func HintsOf(roles, local string) Hints {
	return Hints{Roles: ParseRoles(roles), Local: local == "true"}
}

// Known reports whether an argument's name alone gives it a role (path,
// command, url…), as ReadCall reads names.
func Known(name string) bool {
	kw := keyWords(name)
	words := strings.Split(kw, "_")
	last := words[len(words)-1]
	for _, m := range []map[string]bool{pathKeys, sourceKeys, destKeys, dirKeys, commandKeys, codeKeys, urlKeys, hostKeys, sqlKeys, queryKeys, branchKeys} {
		if m[kw] {
			return true
		}
	}
	return last == "url" || last == "uri" || last == "sql"
}
