package registry

import (
	"sync"

	"github.com/cavra-dev/cavra/internal/glob"
)

// Allowance patterns (an agent's allowed_tools and allowed_repositories, a
// server's allowed_tools) are CAVRA's glob dialect, docs/policy.md#globs: a
// tool name is one segment ("mcp__github__*" is every tool of the github
// server), a repository one segment per "/" ("acme/*" is one level,
// "acme/**" any depth and acme itself). A pattern that is not valid in the
// dialect matches only the identical string, as it did under path.Match.

// allowanceCache holds compiled allowance patterns. They come from registry
// records, not from agents, so the set is small; it is bounded anyway.
var allowanceCache struct {
	sync.RWMutex
	m map[string]*glob.Glob // nil when the pattern is not valid
}

const maxAllowanceCache = 4096

// allowanceGlob returns the compiled pattern, or nil when it is not valid.
func allowanceGlob(p string) *glob.Glob {
	allowanceCache.RLock()
	g, ok := allowanceCache.m[p]
	allowanceCache.RUnlock()
	if ok {
		return g
	}
	if c, err := glob.Compile(p); err == nil {
		g = &c
	}
	allowanceCache.Lock()
	if allowanceCache.m == nil {
		allowanceCache.m = map[string]*glob.Glob{}
	}
	if len(allowanceCache.m) < maxAllowanceCache {
		allowanceCache.m[p] = g
	}
	allowanceCache.Unlock()
	return g
}

// allows reports whether the allowance pattern p admits s.
func allows(p, s string) bool {
	if p == s {
		return true
	}
	g := allowanceGlob(p)
	return g != nil && g.Match(s)
}
