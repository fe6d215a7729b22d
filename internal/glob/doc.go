// Package glob is CAVRA's one glob dialect, used by policy packs, approval
// routing and the registry. docs/policy.md#globs is the user-facing
// reference; this comment is the implementer's.
//
// A pattern is matched against a whole subject. The subject and the
// pattern are split at every "/" into segments — "" is one empty segment,
// "a/" is "a" and an empty segment — and:
//
//   - "*" matches any run of characters inside one segment, "?" one
//     character, "[...]" one character of a class ("[!...]" or "[^...]"
//     negates, "a-z" is a range), and "\" makes the next character literal;
//     a segment's syntax is Go's path.Match, except for "[!";
//   - a segment that is exactly "**" matches zero or more whole segments, so
//     "**/.env" matches ".env" and "infra/**" matches "infra"; "**" inside a
//     segment ("**.tf") is two "*", as in .gitignore;
//   - "/" cannot be escaped and no class matches it.
//
// Subjects that are not paths get the same treatment: only "/" separates.
// A tool name ("mcp__github__create_issue") is one segment, so "mcp__*"
// matches every MCP tool and "__" means nothing special; a repository
// ("acme/web", "group/sub/project") or a branch ("release/1.2") has one
// segment per "/"; a routing target that is a command line is split at
// the slashes it happens to contain.
//
// Matching costs at most (pattern segments × subject segments) segment
// comparisons, each path.Match's, which does not backtrack across stars
// either: "**" backtracks only to the most recent "**", as "*" does over
// characters. Subjects come from agents; a recursive matcher is
// exponential in the number of "**".
//
// Two more compilers live here because they are patterns over the same
// subjects: CompilePath adds the file-pattern rules of pack filesystem
// lists (a bare name matches in any directory, "dir/" is the directory and
// everything in it, "/" and "~/" anchors), and CompileCommand is the
// original CAVRA's command pattern, which is not a file glob at all: its
// "*" matches any run of characters, spaces and slashes included.
package glob
