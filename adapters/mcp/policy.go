package mcp

import (
	"context"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/policy"
)

// guard opens, for one call, the read-only Guard the checks decide with:
// the same policy, mode, registry and approvals the hooks decide with
// (config.yaml and the server's options), under a shared lock held only
// until the caller closes it, and creating nothing in the state directory.
func (s *server) guard(ctx context.Context) (*cavra.Guard, error) {
	return cavra.Open(ctx, cavra.Options{
		Home: s.home, Packs: s.packs, PolicyDirs: s.dirs, Mode: s.mode, Dir: s.dir,
		StoreTimeout: s.storeTimeout, ReadOnly: true,
	})
}

// library returns the packs available under the current configuration.
func (s *server) library() (*policy.Library, error) {
	cfg, err := cavra.LoadConfig(s.home)
	if err != nil {
		return nil, err
	}
	return cavra.PolicyLibrary(append(append([]string(nil), cfg.PolicyDirs...), s.dirs...))
}
