package httpapi

import (
	"bufio"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/approval"
)

// Caller is who made a request, as the server authenticated it.
type Caller struct {
	// Kind is "peer" (the control socket: a process of the owner's user),
	// "oidc" (a verified ID token), "token" (a static token) or "anonymous"
	// (loopback without authentication configured).
	Kind string
	// Name is what evidence records as "by": the token's issuer and
	// subject, the static token's name, or the peer's uid and pid.
	Name string
	// Peer is the control socket peer, for Kind "peer".
	Peer cavra.Peer
	// bearer is the raw bearer token: the approver's credential for
	// approve, deny and break-glass when it is an ID token.
	bearer string
	local  *approval.LocalSignature // a control socket peer's local approval signature
}

type callerKey struct{}

// CallerFromContext returns the authenticated caller of a request.
func CallerFromContext(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}

// LocalScheme is the Authorization scheme of a local approval signature,
// accepted on the control socket only: "CAVRA-Local " + base64url(JSON of
// an approval.LocalSignature).
const LocalScheme = "CAVRA-Local"

// ByHeader names, on the control socket, who the calling command says makes
// a change (its --by); it is recorded with the peer's uid and pid.
const ByHeader = "X-Cavra-By"

// staticToken is one line of a token file.
type staticToken struct {
	name string
	sum  [32]byte
}

// LoadTokenFile reads static bearer tokens, one a line: "TOKEN" or
// "NAME TOKEN" (the name is what evidence records as the caller); blank
// lines and lines starting with # are skipped. The file must not be
// readable by others.
func LoadTokenFile(path string) ([]Token, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("httpapi: token file %s is readable by others (mode %v); chmod 600 it", path, info.Mode().Perm())
	}
	var out []Token
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		switch len(fields) {
		case 1:
			out = append(out, Token{Name: "token:" + strconv.Itoa(n), Secret: fields[0]})
		case 2:
			out = append(out, Token{Name: fields[0], Secret: fields[1]})
		default:
			return nil, fmt.Errorf("httpapi: %s:%d: want TOKEN or NAME TOKEN", path, n)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("httpapi: token file %s holds no token", path)
	}
	for _, t := range out {
		if len(t.Secret) < 16 {
			return nil, fmt.Errorf("httpapi: token %s in %s is shorter than 16 characters", t.Name, path)
		}
	}
	return out, nil
}

// Token is a static bearer token and the name it is recorded under.
type Token struct {
	Name   string
	Secret string
}

// authenticate says who made r, or writes the problem and returns false.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (Caller, bool) {
	scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	cred = strings.TrimSpace(cred)
	if p, ok := cavra.PeerFromContext(r.Context()); ok {
		c := Caller{Kind: "peer", Name: fmt.Sprintf("uid:%d pid:%d", p.UID, p.PID), Peer: p}
		if by := strings.TrimSpace(r.Header.Get(ByHeader)); by != "" && len(by) <= 200 {
			// Who the peer says it is, as a local command's --by: recorded
			// beside what the kernel says, not verified.
			c.Name = by + " (" + c.Name + ")"
		}
		switch {
		case strings.EqualFold(scheme, "Bearer") && cred != "":
			c.bearer = cred
		case scheme == LocalScheme && cred != "":
			sig, err := decodeLocal(cred)
			if err != nil {
				writeProblem(w, r, http.StatusUnauthorized, "unauthenticated", err.Error())
				return Caller{}, false
			}
			c.local = &sig
		}
		return c, true
	}
	if !strings.EqualFold(scheme, "Bearer") || cred == "" {
		if len(s.tokens) == 0 && s.opts.OIDC == nil {
			return Caller{Kind: "anonymous", Name: "anonymous"}, true
		}
		writeProblem(w, r, http.StatusUnauthorized, "unauthenticated", "a bearer token is required")
		return Caller{}, false
	}
	sum := sha256.Sum256([]byte(cred))
	match := -1
	for i, t := range s.tokens { // every token is compared, in constant time
		if subtle.ConstantTimeCompare(sum[:], t.sum[:]) == 1 {
			match = i
		}
	}
	if match >= 0 {
		return Caller{Kind: "token", Name: s.tokens[match].name}, true
	}
	if s.opts.OIDC != nil {
		id, err := s.opts.OIDC.Verify(r.Context(), cred)
		if err == nil {
			return Caller{Kind: "oidc", Name: id.Issuer + "#" + id.Subject, bearer: cred}, true
		}
		writeProblem(w, r, http.StatusUnauthorized, "unauthenticated", "the bearer token is not valid: "+err.Error())
		return Caller{}, false
	}
	if len(s.tokens) == 0 {
		// No authentication configured: the bearer is only the approver's
		// credential, which the approval store verifies.
		return Caller{Kind: "anonymous", Name: "anonymous", bearer: cred}, true
	}
	writeProblem(w, r, http.StatusUnauthorized, "unauthenticated", "the bearer token is not valid")
	return Caller{}, false
}

func decodeLocal(s string) (approval.LocalSignature, error) {
	var sig approval.LocalSignature
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &sig)
	}
	if err != nil {
		return sig, errors.New("the " + LocalScheme + " credential is not a base64url JSON local signature")
	}
	return sig, nil
}

// EncodeLocal is the Authorization header value carrying a local approval
// signature over the control socket.
func EncodeLocal(sig approval.LocalSignature) (string, error) {
	b, err := json.Marshal(sig)
	if err != nil {
		return "", err
	}
	return LocalScheme + " " + base64.RawURLEncoding.EncodeToString(b), nil
}

// credential is the approver's credential of a control-plane change by c,
// or a problem: an agent's process on the control socket is refused (and the
// refusal recorded, as the command line records its own), a static token
// is not a person's identity, and nothing in the body counts.
func (s *Server) credential(r *http.Request, c Caller, verb approval.Verb, id, reason string) (approval.Credential, error) {
	if c.Kind == "peer" {
		if err := s.peerMayChange(r, c, verb, id, reason); err != nil {
			return nil, err
		}
		if c.local != nil {
			return *c.local, nil
		}
	}
	if c.bearer == "" {
		return nil, &Problem{Type: ProblemType + "unauthenticated", Title: http.StatusText(http.StatusUnauthorized), Status: http.StatusUnauthorized,
			Detail: string(verb) + " needs the approver's OIDC ID token as the bearer token; the approver is never taken from the body"}
	}
	return approval.IDToken(c.bearer), nil
}

// peerMayChange refuses, and records, a control-plane change asked for by
// a control socket peer that runs inside a coding agent.
func (s *Server) peerMayChange(r *http.Request, c Caller, verb approval.Verb, id, reason string) error {
	o, inside := s.agentCheck(c.Peer)
	if !inside {
		return nil
	}
	cause := fmt.Errorf("%w: %w (%s: %s)", approval.ErrForbidden, approval.ErrFromAgent, o.Agent, o.Evidence)
	if verb != "" {
		return s.g.RefuseApproval(r.Context(), verb, id, c.Name, reason, cause)
	}
	return cause
}

// mayChangeRegistry checks that c may change the registry: a control socket
// peer outside an agent, or a verified OIDC identity; a static token (an
// agent's credential) or an anonymous caller may not.
func (s *Server) mayChangeRegistry(r *http.Request, c Caller) error {
	switch c.Kind {
	case "peer":
		return s.peerMayChange(r, c, "", "", "")
	case "oidc":
		return nil
	}
	return &Problem{Type: ProblemType + "forbidden", Title: http.StatusText(http.StatusForbidden), Status: http.StatusForbidden,
		Detail: "changing the registry needs a verified OIDC identity (or the control socket, outside a coding agent)"}
}
