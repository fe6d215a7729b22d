package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/spf13/cobra"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/evidence"
)

func newKeysCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "keys",
		Short: "Manage the evidence checkpoint signing keys",
		Long: `Evidence checkpoints are signed with a key kept in <state dir>/keys/evidence
(created on first use, Ed25519 unless you generate an ES256 one first).
Rotating keeps every retired public key, so old checkpoints stay verifiable;
export-trust-root writes the JWKS that verifiers need.`,
	}
	c.AddCommand(newKeysGenerateCmd(), newKeysListCmd(), newKeysRotateCmd(), newKeysExportCmd())
	return c
}

func keyRing(home string) (*evidence.KeyRing, error) {
	dir, err := cavra.StateDir(home)
	if err != nil {
		return nil, err
	}
	return evidence.NewKeyRing(filepath.Join(dir, evidence.KeyDir)), nil
}

func parseAlg(s string) (jose.SignatureAlgorithm, error) {
	switch strings.ToUpper(s) {
	case "", "EDDSA", "ED25519":
		return jose.EdDSA, nil
	case "ES256":
		return jose.ES256, nil
	}
	return "", usageErr("--alg %q: want EdDSA (Ed25519) or ES256 (P-256)", s)
}

// noKeys explains an empty key ring; other errors pass through.
func noKeys(ring *evidence.KeyRing, err error) error {
	if errors.Is(err, evidence.ErrNoKey) {
		return fmt.Errorf("no evidence keys yet in %s (the first recorded decision creates one, or run cavra keys generate)", ring.Dir())
	}
	return err
}

// keyChange is the JSON of keys generate and keys rotate: the key ring's
// directory, the key now current and, after a rotation, the key it
// retired (absent when there was none).
type keyChange struct {
	Dir     string            `json:"dir"`
	Current evidence.KeyInfo  `json:"current"`
	Retired *evidence.KeyInfo `json:"retired,omitempty"`
}

func newKeysGenerateCmd() *cobra.Command {
	var home, alg, kid, by string
	var asJSON bool
	c := &cobra.Command{
		Use:   "generate",
		Short: "Create the evidence signing key (refuses if there is one; use rotate)",
		Args:  args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			a, err := parseAlg(alg)
			if err != nil {
				return err
			}
			ring, err := keyRing(home)
			if err != nil {
				return err
			}
			if err := errOwned(c.Context(), home, "cavra keys generate"); err != nil {
				return err
			}
			k, err := cavra.GenerateEvidenceKey(c.Context(), cavra.Options{Home: home}, a, kid, by)
			if errors.Is(err, fs.ErrExist) {
				return &exitError{code: exitFailure, err: err}
			}
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(c.OutOrStdout(), keyChange{Dir: ring.Dir(), Current: k})
			}
			fmt.Fprintf(c.OutOrStdout(), "generated %s key %s in %s\n", k.Algorithm, k.KeyID, ring.Dir())
			return nil
		},
	}
	c.Flags().StringVar(&alg, "alg", "EdDSA", "EdDSA (Ed25519) or ES256 (P-256)")
	c.Flags().StringVar(&kid, "key-id", "", "key id (default: the key's RFC 7638 thumbprint)")
	c.Flags().StringVar(&home, "home", "", "state directory")
	c.Flags().StringVar(&by, "by", os.Getenv("USER"), "who creates the key (recorded in evidence)")
	outputFlag(c, &asJSON, `{"dir", "current": {"kid", "alg", "current", "private"}}`)
	return c
}

func newKeysListCmd() *cobra.Command {
	var home string
	var asJSON bool
	c := &cobra.Command{
		Use:   "list",
		Short: "List the evidence keys, current and retired",
		Args:  args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			ring, err := keyRing(home)
			if err != nil {
				return err
			}
			list, err := ring.List()
			if err != nil {
				return noKeys(ring, err)
			}
			if asJSON {
				return writeJSON(c.OutOrStdout(), list)
			}
			tw := tabwriter.NewWriter(c.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "KID\tALG\tSTATUS")
			for _, k := range list {
				st := "retired (public key only)"
				if k.Current {
					st = "current"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", k.KeyID, k.Algorithm, st)
			}
			return tw.Flush()
		},
	}
	c.Flags().StringVar(&home, "home", "", "state directory")
	outputFlag(c, &asJSON, "print as JSON")
	return c
}

func newKeysRotateCmd() *cobra.Command {
	var home, alg, kid, by string
	var asJSON bool
	c := &cobra.Command{
		Use:   "rotate",
		Short: "Make a new key current; the old one's public key stays in the trust root",
		Long: `Make a new signing key current. The retired key's private half is deleted;
its public half stays, so checkpoints it signed still verify. Export the
trust root again afterwards. The rotation is recorded as evidence (both key
ids, who). A running Guard keeps its key until reopened.`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			a, err := parseAlg(alg)
			if err != nil {
				return err
			}
			if err := errOwned(c.Context(), home, "cavra keys rotate"); err != nil {
				return err
			}
			return withGuard(c, home, func(g *cavra.Guard) error {
				old, cur, err := g.RotateEvidenceKey(c.Context(), a, kid, by)
				if err != nil {
					return err
				}
				if asJSON {
					ring, err := keyRing(home)
					if err != nil {
						return err
					}
					kc := keyChange{Dir: ring.Dir(), Current: cur}
					if old.KeyID != "" {
						kc.Retired = &old
					}
					return writeJSON(c.OutOrStdout(), kc)
				}
				if old.KeyID != "" {
					fmt.Fprintf(c.OutOrStdout(), "retired %s\n", old.KeyID)
				}
				fmt.Fprintf(c.OutOrStdout(), "current %s (%s); export the trust root again: cavra keys export-trust-root\n", cur.KeyID, cur.Algorithm)
				return nil
			})
		},
	}
	c.Flags().StringVar(&alg, "alg", "EdDSA", "EdDSA (Ed25519) or ES256 (P-256)")
	c.Flags().StringVar(&kid, "key-id", "", "key id (default: the key's RFC 7638 thumbprint)")
	c.Flags().StringVar(&home, "home", "", "state directory")
	c.Flags().StringVar(&by, "by", os.Getenv("USER"), "who rotates the key (recorded in evidence)")
	outputFlag(c, &asJSON, `{"dir", "current": {"kid", "alg", ...}, "retired": {...}}`)
	return c
}

func newKeysExportCmd() *cobra.Command {
	var home, out string
	c := &cobra.Command{
		Use:   "export-trust-root",
		Short: "Write the JWKS of every evidence public key, current and retired",
		Args:  args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			ring, err := keyRing(home)
			if err != nil {
				return err
			}
			set, err := ring.TrustRoot()
			if err != nil {
				return noKeys(ring, err)
			}
			data, err := json.MarshalIndent(set, "", "  ")
			if err != nil {
				return err
			}
			if err := writeOut(c, out, append(data, '\n')); err != nil {
				return err
			}
			if out != "" {
				fmt.Fprintf(c.ErrOrStderr(), "wrote %d keys to %s\n", len(set.Keys), out)
			}
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", "", "JWKS file (default stdout)")
	c.Flags().StringVar(&home, "home", "", "state directory")
	return c
}
