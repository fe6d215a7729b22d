package mcp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/modelcontextprotocol/go-sdk/auth"

	"github.com/cavra-dev/cavra/approval"
)

// OIDCBearer returns a go-sdk bearer-token verifier (for
// auth.RequireBearerToken) that accepts an OIDC JWT only when v — the
// verifier the approvals use: issuer, audience, expiry, signature against
// the issuer's JWKS, RS256/ES256/EdDSA only — accepts it. The token's
// subject is the caller (TokenInfo.UserID, the actor of the calls it
// makes); its email and groups are in TokenInfo.Extra.
//
// A token the verifier refuses is auth.ErrInvalidToken (HTTP 401); a key
// set that cannot be fetched is a 401 as well, never a pass.
func OIDCBearer(v *approval.Verifier) auth.TokenVerifier {
	return func(ctx context.Context, tok string, _ *http.Request) (*auth.TokenInfo, error) {
		if v == nil {
			return nil, fmt.Errorf("%w: no OIDC verifier", auth.ErrInvalidToken)
		}
		id, err := v.Verify(ctx, tok)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", auth.ErrInvalidToken, err)
		}
		exp, err := expiry(tok)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", auth.ErrInvalidToken, err)
		}
		return &auth.TokenInfo{UserID: id.Subject, Expiration: exp,
			Extra: map[string]any{"issuer": id.Issuer, "email": id.Email, "groups": id.Groups}}, nil
	}
}

// expiry reads exp of a token the verifier has just accepted (so its
// signature is already checked).
func expiry(tok string) (time.Time, error) {
	t, err := jwt.ParseSigned(tok, approval.TokenAlgorithms)
	if err != nil {
		return time.Time{}, err
	}
	var c jwt.Claims
	if err := t.UnsafeClaimsWithoutVerification(&c); err != nil {
		return time.Time{}, err
	}
	if c.Expiry == nil {
		return time.Time{}, errors.New("the token has no exp")
	}
	return c.Expiry.Time(), nil
}
