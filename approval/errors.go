package approval

import (
	"errors"
	"fmt"
)

// Errors returned by the approval package. Each attack the package refuses
// has its own sentinel, so callers (and tests) can tell them apart with
// errors.Is. Every credential problem also matches ErrUnauthenticated, and
// every authorization problem ErrForbidden.
var (
	// ErrUnauthenticated is matched by every error about a credential that
	// could not be verified.
	ErrUnauthenticated = errors.New("approval: credential not verified")
	// ErrForbidden is matched by every error about a verified identity that
	// may not do what it asked.
	ErrForbidden = errors.New("approval: not permitted")

	ErrTokenMalformed   = errors.New("token is not a compact JWS")
	ErrTokenAlgorithm   = errors.New("token algorithm not accepted")
	ErrTokenNoKeyID     = errors.New("token header has no kid")
	ErrTokenUnknownKey  = errors.New("token kid is not in the issuer's key set")
	ErrTokenSignature   = errors.New("token signature does not verify")
	ErrTokenIssuer      = errors.New("token issuer is not the configured issuer")
	ErrTokenAudience    = errors.New("token audience does not include the configured audience")
	ErrTokenExpired     = errors.New("token has expired")
	ErrTokenNoExpiry    = errors.New("token has no exp claim")
	ErrTokenNotYetValid = errors.New("token is not valid yet (nbf or iat in the future)")
	ErrTokenNoSubject   = errors.New("token has no sub claim")

	ErrJWKSUnavailable = errors.New("issuer key set could not be fetched")
	ErrJWKSTooLarge    = errors.New("issuer key set exceeds the size limit")
	ErrJWKSInvalid     = errors.New("issuer key set is not a valid JWKS")

	ErrLocalSignature = errors.New("local approval signature does not verify")
	ErrLocalStale     = errors.New("local approval signature is too old or from the future")
	ErrNoVerifier     = errors.New("no verifier is configured for this kind of credential")

	ErrNotInGroup    = errors.New("approver does not hold the request's approver group")
	ErrSelfApproval  = errors.New("the requesting actor cannot approve their own request")
	ErrDuplicateVote = errors.New("this approver has already approved the request")
	ErrLocalRefused  = errors.New("local approvals are refused for this request's route")
	ErrNotBreakGlass = errors.New("identity does not hold the break-glass group")
	// ErrFromAgent refuses an approval, denial or break-glass attempted
	// from inside a coding agent's process tree (see DetectAgent).
	ErrFromAgent = errors.New("approvals are refused from inside a coding agent's process tree; a person approves from their own terminal")
	// ErrNoTerminal refuses a local approval whose passphrase could not be
	// read from a controlling terminal (a pipe, no terminal at all).
	ErrNoTerminal     = errors.New("the approver passphrase is read only from a terminal, never from arguments, the environment or a pipe")
	ErrReasonRequired = errors.New("a reason is required")

	ErrNotFound         = errors.New("approval: no such request")
	ErrNotPending       = errors.New("approval: only pending requests can be decided")
	ErrRequestExpired   = errors.New("approval: the request has expired")
	ErrBreakGlassWindow = errors.New("approval: break-glass duration exceeds the configured maximum")
	ErrNotRequired      = errors.New("approval: the decision does not require approval")
)

// authErr tags a specific credential error with ErrUnauthenticated; both,
// and detail, match with errors.Is.
func authErr(specific error, detail error) error {
	if detail != nil {
		return fmt.Errorf("%w: %w: %w", ErrUnauthenticated, specific, detail)
	}
	return fmt.Errorf("%w: %w", ErrUnauthenticated, specific)
}

// forbidden tags a specific authorization error with ErrForbidden.
func forbidden(specific error, format string, args ...any) error {
	if format == "" {
		return fmt.Errorf("%w: %w", ErrForbidden, specific)
	}
	return fmt.Errorf("%w: %w: %s", ErrForbidden, specific, fmt.Sprintf(format, args...))
}
