package cavra

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/cavra-dev/cavra/approval"
	"github.com/cavra-dev/cavra/decision"
)

// ConfigFile is the name of the optional configuration file in the state directory.
const ConfigFile = "config.yaml"

// Config is the state directory's config.yaml. Command-line flags and
// Options override it. Relative policy directories are resolved against the
// directory holding config.yaml.
type Config struct {
	Packs      []string `yaml:"packs"`
	PolicyDirs []string `yaml:"policy_dirs"`
	Mode       Mode     `yaml:"mode"`
	// Registry configures the agent and MCP server registry.
	Registry RegistryConfig `yaml:"registry"`
	// Approval configures approvers (OIDC issuer, RBAC, routing, local keys,
	// break-glass, webhooks); relative paths are against the state directory.
	Approval approval.Config `yaml:"approval"`
	// Evidence configures the evidence log.
	Evidence EvidenceConfig `yaml:"evidence"`
}

// EvidenceConfig is config.yaml's evidence section.
type EvidenceConfig struct {
	// Witness is the witness file of the log's last signed tree head (see
	// Options.Witness); relative to the state directory, though it belongs
	// outside it. "" means the default in the user's state home.
	Witness string `yaml:"witness"`
}

// LoadConfig reads home/config.yaml. A missing file is an empty Config; a
// malformed one is an error naming the file.
func LoadConfig(home string) (Config, error) {
	var c Config
	file := filepath.Join(home, ConfigFile)
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("cavra: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return c, fmt.Errorf("cavra: %s: %w", file, err)
	}
	if _, err := decision.ParseMode(string(c.Mode)); err != nil {
		return c, fmt.Errorf("cavra: %s: %w", file, err)
	}
	if c.Evidence.Witness != "" && !filepath.IsAbs(c.Evidence.Witness) {
		c.Evidence.Witness = filepath.Join(home, c.Evidence.Witness)
	}
	if c.Registry.File != "" && !filepath.IsAbs(c.Registry.File) {
		c.Registry.File = filepath.Join(home, c.Registry.File)
	}
	for i, d := range c.PolicyDirs {
		if !filepath.IsAbs(d) {
			c.PolicyDirs[i] = filepath.Join(home, d)
		}
	}
	return c, nil
}

// StateDir resolves the state directory: explicit if given, else
// CAVRA_HOME, else, walking up from the working directory (as git finds
// .git), the first directory that has either the state directory `cavra init`
// pinned for it under the user's state home (ProjectStateDir; a project's
// own commands thus reach its hooks' state) or a ".cavra" directory, else
// "./.cavra". It does not create the directory. Hooks installed by `cavra
// init` never get here: they are given their directory.
func StateDir(explicit string) (string, error) {
	if explicit != "" {
		return filepath.Abs(explicit)
	}
	if env := os.Getenv("CAVRA_HOME"); env != "" {
		return filepath.Abs(env)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("cavra: working directory: %w", err)
	}
	base, baseErr := UserStateHome()
	resolved := wd
	if r, err := filepath.EvalSymlinks(wd); err == nil {
		resolved = r
	}
	for dir, rdir := wd, resolved; ; {
		if baseErr == nil {
			if st, err := os.Stat(filepath.Join(base, projectID(rdir))); err == nil && st.IsDir() {
				return filepath.Join(base, projectID(rdir)), nil
			}
		}
		cand := filepath.Join(dir, ".cavra")
		if st, err := os.Stat(cand); err == nil && st.IsDir() {
			return cand, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir, rdir = parent, filepath.Dir(rdir)
	}
	return filepath.Join(wd, ".cavra"), nil
}

// UserStateHome is where state directories live by default, outside any
// project: $XDG_STATE_HOME/cavra, else ~/.local/state/cavra.
func UserStateHome() (string, error) {
	if x := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(x) {
		return filepath.Join(x, "cavra"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("cavra: the user's state home: %w", err)
	}
	return filepath.Join(home, ".local", "state", "cavra"), nil
}

// ProjectStateDir is the state directory `cavra init` pins by default for
// the project directory project: UserStateHome()/<project-id>, where the id
// is the directory's name (made safe for a path) and ten hex digits of the
// SHA-256 of its absolute path with symbolic links resolved, so two
// checkouts named alike get different directories and the same checkout
// always its own.
func ProjectStateDir(project string) (string, error) {
	base, err := UserStateHome()
	if err != nil {
		return "", err
	}
	abs, err := filepath.Abs(project)
	if err != nil {
		return "", fmt.Errorf("cavra: %w", err)
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		abs = r
	}
	return filepath.Join(base, projectID(abs)), nil
}

// projectID names the state directory of the project at the absolute,
// resolved path abs.
func projectID(abs string) string {
	sum := sha256.Sum256([]byte(abs))
	name := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '-'
	}, filepath.Base(abs))
	if name = strings.Trim(name, "-."); len(name) > 40 {
		name = name[:40]
	}
	if name == "" {
		name = "project"
	}
	return name + "-" + hex.EncodeToString(sum[:])[:10]
}

func filepathSplitList(s string) []string {
	var out []string
	for _, p := range filepath.SplitList(s) {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}
