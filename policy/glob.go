package policy

import "github.com/cavra-dev/cavra/internal/glob"

// pathGlob is a filesystem-list pattern: a glob.Path, CAVRA's glob dialect
// with the .gitignore rules of file patterns (docs/policy.md#globs):
//   - `*`, `?` and `[...]` match within one path segment;
//   - a `**` segment matches zero or more whole segments;
//   - a pattern without a slash (".env", "*.pem", "id_rsa") matches that
//     name in any directory, as in .gitignore;
//   - a pattern ending in "/" matches the directory and everything below it;
//   - a pattern starting with "/" is absolute; one starting with "~/" is
//     relative to the home directory.
type pathGlob struct {
	glob.Path
}

func compilePathGlob(pattern string) (pathGlob, error) {
	g, err := glob.CompilePath(pattern)
	return pathGlob{g}, err
}

// match reports whether the slash-separated, cleaned, relative path p matches.
func (g *pathGlob) match(p string) bool { return g.Match(p) }

// matchForm matches one form of a resolved path: a glob operand (`.en?`)
// matches when it can name a path the pattern names.
func (g *pathGlob) matchForm(r *resolvedPath, p string) bool {
	if r.glob {
		return g.Match(p) || g.Overlaps(p)
	}
	return g.Match(p)
}

// cmdGlob is a commands-list pattern: a glob.Command, the original CAVRA's
// command pattern, which is not a file glob (`*` matches any run of
// characters, spaces and slashes included; the whole subject must match).
type cmdGlob struct {
	glob.Command
	line bool // the pattern contains a shell operator: match the whole line
}

func compileCmdGlob(pattern string) (cmdGlob, error) {
	g, err := glob.CompileCommand(pattern)
	return cmdGlob{Command: g, line: g.Line()}, err
}

func (g *cmdGlob) match(s string) bool { return g.Command.Match(s) }
