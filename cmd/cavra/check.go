package main

import (
	"github.com/spf13/cobra"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/decision"
)

// openReadOnly opens the read-only Guard of a dry run (`policy explain`,
// `evaluate --dry-run`): the same policy, mode, registry and approvals as
// open's Guard, recording nothing and creating no state directory.
func (f *policyFlags) openReadOnly(c *cobra.Command) (*cavra.Guard, error) {
	mode, err := decision.ParseMode(f.mode)
	if err != nil {
		return nil, usageErr("--mode: %v", err)
	}
	if f.mode == "" {
		mode = ""
	}
	return cavra.Open(c.Context(), cavra.Options{
		Packs: f.packs, PolicyDirs: f.dirs, Home: f.home, Mode: mode,
		BreakGlassActor: f.bgActor, BreakGlassReason: f.bgWhy, RegistryFile: f.reg,
		ReadOnly: true,
	})
}
