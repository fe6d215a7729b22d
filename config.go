package cavra

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

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
// CAVRA_HOME, else the nearest ".cavra" directory found walking up from the
// working directory (as git finds .git), else "./.cavra". It does not create
// the directory.
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
	for dir := wd; ; {
		cand := filepath.Join(dir, ".cavra")
		if st, err := os.Stat(cand); err == nil && st.IsDir() {
			return cand, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return filepath.Join(wd, ".cavra"), nil
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
