package approval

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cavra-dev/cavra/internal/keys"
)

// Config is the approval section of a configuration file (the "approval:"
// key of .cavra/config.yaml, say). Relative paths are resolved against the
// directory of that file. Secrets are never written in it: webhook secrets
// come from environment variables it names.
type Config struct {
	OIDC        *OIDCFileConfig `yaml:"oidc,omitempty" json:"oidc,omitempty"`
	RBACFile    string          `yaml:"rbac_file,omitempty" json:"rbac_file,omitempty"`
	RoutingFile string          `yaml:"routing_file,omitempty" json:"routing_file,omitempty"`
	// LocalKeys is a JWK or JWKS file of public keys whose local approvals
	// are accepted; "" leaves local approvals off unless the caller sets
	// Options.LocalKeys.
	LocalKeys  string              `yaml:"local_keys,omitempty" json:"local_keys,omitempty"`
	BreakGlass BreakGlassConfig    `yaml:"break_glass,omitempty" json:"break_glass,omitempty"`
	Webhooks   []WebhookFileConfig `yaml:"webhooks,omitempty" json:"webhooks,omitempty"`
}

// OIDCFileConfig is the issuer configuration in a file.
type OIDCFileConfig struct {
	Issuer      string `yaml:"issuer" json:"issuer"`
	Audience    string `yaml:"audience" json:"audience"`
	JWKS        string `yaml:"jwks" json:"jwks"` // an https:// URL or a file path
	GroupsClaim string `yaml:"groups_claim,omitempty" json:"groups_claim,omitempty"`
	Leeway      string `yaml:"leeway,omitempty" json:"leeway,omitempty"` // a Go duration, e.g. "30s"
}

// BreakGlassConfig is the break-glass configuration in a file.
type BreakGlassConfig struct {
	Group      string `yaml:"group,omitempty" json:"group,omitempty"`
	Default    string `yaml:"default,omitempty" json:"default,omitempty"` // a Go duration; default 1h
	Max        string `yaml:"max,omitempty" json:"max,omitempty"`         // a Go duration; default 4h
	AllowLocal bool   `yaml:"allow_local,omitempty" json:"allow_local,omitempty"`
}

// WebhookFileConfig is one webhook in a file.
type WebhookFileConfig struct {
	URL       string `yaml:"url" json:"url"`
	Format    string `yaml:"format,omitempty" json:"format,omitempty"`
	SecretEnv string `yaml:"secret_env,omitempty" json:"secret_env,omitempty"` // environment variable holding the HMAC secret
	Retries   int    `yaml:"retries,omitempty" json:"retries,omitempty"`
}

// Options builds store options from c. dir is the directory relative paths
// are resolved against. Webhooks are returned separately (started, with
// report as their Report callback) so the caller can Close them; Options
// gets them combined in its Notifier.
func (c Config) Options(dir string, report func(Event)) (*Options, []*Webhook, error) {
	o := &Options{}
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	if c.OIDC != nil {
		cfg := OIDCConfig{Issuer: c.OIDC.Issuer, Audience: c.OIDC.Audience, GroupsClaim: c.OIDC.GroupsClaim}
		if strings.HasPrefix(c.OIDC.JWKS, "https://") || strings.HasPrefix(c.OIDC.JWKS, "http://") {
			cfg.JWKSURL = c.OIDC.JWKS
		} else {
			cfg.JWKSFile = abs(c.OIDC.JWKS)
		}
		if c.OIDC.Leeway != "" {
			d, err := time.ParseDuration(c.OIDC.Leeway)
			if err != nil {
				return nil, nil, fmt.Errorf("approval: oidc.leeway: %w", err)
			}
			cfg.Leeway = d
		}
		v, err := NewVerifier(cfg)
		if err != nil {
			return nil, nil, err
		}
		o.OIDC = v
	}
	if c.RBACFile != "" {
		r, err := LoadRBAC(abs(c.RBACFile))
		if err != nil {
			return nil, nil, err
		}
		o.RBAC = r
	}
	if c.RoutingFile != "" {
		r, err := LoadRouting(abs(c.RoutingFile))
		if err != nil {
			return nil, nil, err
		}
		o.Routing = r
	}
	if c.LocalKeys != "" {
		set, err := keys.ReadPublic(abs(c.LocalKeys))
		if err != nil {
			return nil, nil, fmt.Errorf("approval: local_keys: %w", err)
		}
		o.LocalKeys = set
	}
	o.BreakGlassGroup, o.LocalBreakGlass = c.BreakGlass.Group, c.BreakGlass.AllowLocal
	for _, d := range []struct {
		s   string
		dst *time.Duration
		key string
	}{{c.BreakGlass.Default, &o.BreakGlassTTL, "default"}, {c.BreakGlass.Max, &o.BreakGlassMax, "max"}} {
		if d.s == "" {
			continue
		}
		v, err := time.ParseDuration(d.s)
		if err != nil || v <= 0 {
			return nil, nil, fmt.Errorf("approval: break_glass.%s: invalid duration %q", d.key, d.s)
		}
		*d.dst = v
	}
	var hooks []*Webhook
	for i, wc := range c.Webhooks {
		cfg := WebhookConfig{URL: wc.URL, Format: wc.Format, Retries: wc.Retries, Report: report}
		if wc.SecretEnv != "" {
			sec := os.Getenv(wc.SecretEnv)
			if sec == "" {
				closeAll(hooks)
				return nil, nil, fmt.Errorf("approval: webhooks[%d]: environment variable %s is empty", i, wc.SecretEnv)
			}
			cfg.Secret = []byte(sec)
		}
		w, err := NewWebhook(cfg)
		if err != nil {
			closeAll(hooks)
			return nil, nil, fmt.Errorf("approval: webhooks[%d]: %w", i, err)
		}
		hooks = append(hooks, w)
	}
	if len(hooks) > 0 {
		o.Notifier = Notifiers(hooks...)
	}
	return o, hooks, nil
}

func closeAll(hooks []*Webhook) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	for _, h := range hooks {
		_ = h.Close(ctx)
	}
}

// Notifiers fans a notification out to several notifiers; the errors of
// all that failed are joined.
func Notifiers[N Notifier](ns ...N) Notifier {
	return NotifierFunc(func(ctx context.Context, n Notification) error {
		var errs []error
		for _, x := range ns {
			if err := x.Notify(ctx, n); err != nil {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	})
}
