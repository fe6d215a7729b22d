package approval

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/cavra-dev/cavra/internal/canonjson"
	"github.com/cavra-dev/cavra/internal/keys"
)

// Credential proves who is approving, denying or breaking glass. The two
// kinds are IDToken (an OIDC ID token, verified against the issuer's JWKS)
// and LocalSignature (signed with this machine's CAVRA key).
type Credential interface{ credential() }

// IDToken is a compact-serialized OIDC ID token.
type IDToken string

func (IDToken) credential() {}

// Verb is what a credential is used for; a local signature is bound to one.
type Verb string

// The verbs.
const (
	VerbApprove    Verb = "approve"
	VerbDeny       Verb = "deny"
	VerbBreakGlass Verb = "break_glass"
	// VerbPrune, VerbLiftHold and VerbResetWitness are the changes of the
	// evidence a person makes: pruning, lifting a legal hold, resetting the
	// witness after a rollback. No signature is made for
	// them; they name refused attempts.
	VerbPrune        Verb = "prune_evidence"
	VerbLiftHold     Verb = "lift_legal_hold"
	VerbResetWitness Verb = "reset_witness"
)

// LocalTyp is the JWS typ of a local approval signature; a signature made
// for anything else (a policy, a checkpoint) is refused.
const LocalTyp = "cavra-approval+jws"

// DefaultLocalMaxAge is how old a local signature may be.
const DefaultLocalMaxAge = 5 * time.Minute

// LocalSignature is an approval by the holder of this machine's CAVRA key,
// for a developer without an identity provider. It is bound to one verb on
// one subject (a request id, or for break-glass the action digest or
// "agent:<id>") and is valid for a few minutes. Actor is the name the
// signer gives; it is recorded, not verified.
type LocalSignature struct {
	Verb     Verb      `json:"verb"`
	Subject  string    `json:"subject"`
	Actor    string    `json:"actor"`
	IssuedAt time.Time `json:"iat"`
	JWS      string    `json:"jws"` // detached compact JWS over Payload()
}

func (LocalSignature) credential() {}

// Payload returns the canonical bytes the signature covers.
func (l LocalSignature) Payload() ([]byte, error) {
	return canonjson.Marshal(struct {
		Typ     string `json:"typ"`
		Verb    Verb   `json:"verb"`
		Subject string `json:"subject"`
		Actor   string `json:"actor"`
		IAT     int64  `json:"iat"`
	}{"cavra.local-approval.v1", l.Verb, l.Subject, l.Actor, l.IssuedAt.Unix()})
}

// SignLocal signs a local approval with a private key from internal/keys.
func SignLocal(priv jose.JSONWebKey, verb Verb, subject, actor string, at time.Time) (LocalSignature, error) {
	l := LocalSignature{Verb: verb, Subject: subject, Actor: actor, IssuedAt: at.UTC().Truncate(time.Second)}
	p, err := l.Payload()
	if err != nil {
		return l, err
	}
	l.JWS, err = keys.SignDetached(p, priv, LocalTyp)
	return l, err
}

// BreakGlassSubject is the subject a local break-glass signature binds to.
func BreakGlassSubject(scope Scope, digest, agent string) string {
	if scope == ScopeAgent {
		return "agent:" + agent
	}
	return digest
}

// verifyLocal checks a local signature against the trusted local keys.
func verifyLocal(l LocalSignature, set *jose.JSONWebKeySet, verb Verb, subject string, now time.Time, maxAge time.Duration) (Identity, error) {
	if set == nil || len(set.Keys) == 0 {
		return Identity{}, authErr(ErrNoVerifier, errors.New("local approvals are not enabled (no local key)"))
	}
	if l.Verb != verb || l.Subject != subject {
		return Identity{}, authErr(ErrLocalSignature, fmt.Errorf("signed for %s %q, used for %s %q", l.Verb, l.Subject, verb, subject))
	}
	p, err := l.Payload()
	if err != nil {
		return Identity{}, authErr(ErrLocalSignature, err)
	}
	kid, err := keys.VerifyDetached(l.JWS, p, set, LocalTyp)
	if err != nil {
		return Identity{}, authErr(ErrLocalSignature, err)
	}
	if age := now.Sub(l.IssuedAt); age > maxAge || age < -DefaultLeeway {
		return Identity{}, authErr(ErrLocalStale, fmt.Errorf("signed at %s", l.IssuedAt.UTC().Format(time.RFC3339)))
	}
	return Identity{Issuer: LocalIssuer, Subject: "key:" + kid, Name: l.Actor, Local: true, KeyID: kid, Time: now.UTC()}, nil
}

// StringList is a list of strings that may be written as one string.
type StringList []string

// UnmarshalJSON implements json.Unmarshaler.
func (s *StringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = StringList{one}
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return errors.New("want a string or a list of strings")
	}
	*s = list
	return nil
}

// RBAC maps the groups of an identity provider to CAVRA approver groups,
// globally and per repository.
type RBAC struct {
	// GroupMappings maps an external group to approver groups, everywhere.
	GroupMappings map[string]StringList `json:"group_mappings,omitempty"`
	// Repositories adds mappings that apply only to matching repositories
	// (the action's context repo, matched as a route's repo glob).
	Repositories []RepoRBAC `json:"repositories,omitempty"`
	// Strict makes only mapped groups count. Otherwise an external group
	// whose name equals an approver group also holds it, as in the
	// original CAVRA.
	Strict bool `json:"strict,omitempty"`

	compiled []routeGlob
}

// RepoRBAC is a per-repository mapping.
type RepoRBAC struct {
	Repository    string                `json:"repository"`
	GroupMappings map[string]StringList `json:"group_mappings"`
}

// ParseRBAC parses an RBAC document (JSON, or YAML by name or content),
// strictly. The document may sit under an "approval_rbac" key as in the
// original CAVRA.
func ParseRBAC(name string, data []byte) (*RBAC, error) {
	r, err := parseRBAC(name, data)
	if err != nil {
		return nil, fmt.Errorf("approval: RBAC %s: %w", name, err)
	}
	return r, nil
}

func parseRBAC(name string, data []byte) (*RBAC, error) {
	if len(data) > MaxRoutingSize {
		return nil, fmt.Errorf("file is larger than %d bytes", MaxRoutingSize)
	}
	js, err := toJSON(name, data)
	if err != nil {
		return nil, err
	}
	var wrapped struct {
		Inner json.RawMessage `json:"approval_rbac"`
	}
	if json.Unmarshal(js, &wrapped) == nil && len(wrapped.Inner) > 0 {
		var probe map[string]json.RawMessage
		_ = json.Unmarshal(js, &probe)
		if len(probe) != 1 {
			return nil, errors.New("approval_rbac must be the only top-level key")
		}
		js = wrapped.Inner
	}
	var r RBAC
	if err := strictJSON(js, &r); err != nil {
		return nil, err
	}
	return NewRBAC(r)
}

// NewRBAC validates r and compiles its repository globs.
func NewRBAC(r RBAC) (*RBAC, error) {
	out := r
	out.compiled = nil
	for i, rr := range r.Repositories {
		if strings.TrimSpace(rr.Repository) == "" {
			return nil, fmt.Errorf("repositories[%d]: repository is required", i)
		}
		g, err := compileGlob(rr.Repository)
		if err != nil {
			return nil, fmt.Errorf("repositories[%d]: %w", i, err)
		}
		out.compiled = append(out.compiled, g)
	}
	return &out, nil
}

// LoadRBAC reads and parses an RBAC file.
func LoadRBAC(path string) (*RBAC, error) {
	data, err := readLimited(path, MaxRoutingSize)
	if err != nil {
		return nil, fmt.Errorf("approval: RBAC: %w", err)
	}
	return ParseRBAC(filepath.Base(path), data)
}

// Roles returns the approver groups an identity holds in repo.
func (r *RBAC) Roles(groups []string, repo string) []string {
	var out []string
	add := func(g string) {
		for _, x := range out {
			if x == g {
				return
			}
		}
		out = append(out, g)
	}
	if r == nil || !r.Strict {
		for _, g := range groups {
			add(g)
		}
	}
	if r == nil {
		return out
	}
	for _, g := range groups {
		for _, m := range r.GroupMappings[g] {
			add(m)
		}
	}
	for i, rr := range r.Repositories {
		if repo == "" || !r.compiled[i].match(repo) {
			continue
		}
		for _, g := range groups {
			for _, m := range rr.GroupMappings[g] {
				add(m)
			}
		}
	}
	return out
}

func holds(roles []string, group string) bool {
	for _, r := range roles {
		if r == group {
			return true
		}
	}
	return false
}

// sameActor reports whether identity id is the requester's actor.
func sameActor(id Identity, actor string) bool {
	actor = strings.TrimSpace(actor)
	if actor == "" {
		return false
	}
	for _, v := range []string{id.Subject, id.Email, id.Name} {
		if v != "" && strings.EqualFold(v, actor) {
			return true
		}
	}
	return false
}
