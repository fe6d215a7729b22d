package keys

import (
	"errors"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"
)

// SignDetached signs payload with priv and returns a detached compact JWS
// ("header..signature"). The protected header carries alg (from the key
// type), kid, and typ when typ is not "".
func SignDetached(payload []byte, priv jose.JSONWebKey, typ string) (string, error) {
	alg, err := checkPrivate(priv)
	if err != nil {
		return "", fmt.Errorf("keys: sign: %w", err)
	}
	opts := &jose.SignerOptions{}
	if typ != "" {
		opts = opts.WithType(jose.ContentType(typ))
	}
	// Passing the JWK (not the raw key) makes go-jose put kid in the
	// protected header.
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: priv}, opts)
	if err != nil {
		return "", fmt.Errorf("keys: sign: %w", err)
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("keys: sign: %w", err)
	}
	s, err := obj.DetachedCompactSerialize()
	if err != nil {
		return "", fmt.Errorf("keys: sign: %w", err)
	}
	return s, nil
}

// VerifyDetached verifies a detached compact JWS over payload against set
// and returns the kid of the key that verified it.
//
// The key is selected by the kid in the protected header only; a JWS
// without kid, or with a kid that is not in set, is an error. The header alg
// must be one of Algorithms and must match the selected key (its type, and
// its declared alg if any). If typ is not "", the header typ must equal it.
// A signature that does not verify returns an error wrapping
// jose.ErrCryptoFailure.
func VerifyDetached(jws string, payload []byte, set *jose.JSONWebKeySet, typ string) (kid string, err error) {
	if set == nil || len(set.Keys) == 0 {
		return "", errors.New("keys: verify: no trusted keys")
	}
	if payload == nil {
		payload = []byte{} // go-jose reads a nil payload as "not detached"
	}
	obj, err := jose.ParseDetached(jws, payload, Algorithms)
	if err != nil {
		var algErr *jose.ErrUnexpectedSignatureAlgorithm
		if errors.As(err, &algErr) {
			return "", fmt.Errorf("keys: verify: signature algorithm not accepted: %w", err)
		}
		return "", fmt.Errorf("keys: verify: malformed detached JWS: %w", err)
	}
	if len(obj.Signatures) != 1 {
		return "", fmt.Errorf("keys: verify: want one signature, got %d", len(obj.Signatures))
	}
	// Compact serialization has only a protected header, so every value
	// below is covered by the signature once it verifies.
	h := obj.Signatures[0].Protected
	kid = h.KeyID
	if kid == "" {
		return "", errors.New("keys: verify: JWS header has no kid")
	}
	alg := jose.SignatureAlgorithm(h.Algorithm)

	matches := set.Key(kid)
	switch len(matches) {
	case 0:
		return "", fmt.Errorf("keys: verify: key %q is not trusted (not in the key set)", kid)
	case 1:
	default:
		return "", fmt.Errorf("keys: verify: key set holds %d keys with kid %q", len(matches), kid)
	}
	key := matches[0]
	keyAlgorithm, err := checkKey(key)
	if err != nil {
		return "", fmt.Errorf("keys: verify: %w", err)
	}
	if key.Algorithm != "" && key.Algorithm != string(alg) {
		return "", fmt.Errorf("keys: verify: key %q is for alg %q, but the JWS says %q", kid, key.Algorithm, alg)
	}
	if keyAlgorithm != alg {
		return "", fmt.Errorf("keys: verify: key %q is a %s key, but the JWS says %q", kid, keyAlgorithm, alg)
	}
	pub := key.Public()
	if err := obj.DetachedVerify(payload, pub.Key); err != nil {
		return "", fmt.Errorf("keys: verify: signature by key %q does not match the payload: %w", kid, err)
	}
	if typ != "" {
		got, _ := h.ExtraHeaders[jose.HeaderType].(string)
		if got != typ {
			return "", fmt.Errorf("keys: verify: JWS typ is %q, want %q", got, typ)
		}
	}
	return kid, nil
}
