package keys_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/cavra-dev/cavra/internal/keys"
)

func ExampleSignDetached() {
	priv, err := keys.Generate(jose.EdDSA, "release-1")
	if err != nil {
		panic(err)
	}
	policy := []byte(`{"format":"cavra.policy.v1"}`)

	jws, err := keys.SignDetached(policy, priv, "cavra-policy+jws")
	if err != nil {
		panic(err)
	}
	header, _, _ := strings.Cut(jws, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(header)
	fmt.Println("header:", string(raw))
	fmt.Println("detached:", strings.Contains(jws, ".."))

	// Verifiers hold only public keys (normally read with keys.ReadPublic).
	trusted := &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{priv.Public()}}
	kid, err := keys.VerifyDetached(jws, policy, trusted, "cavra-policy+jws")
	fmt.Println("verified by:", kid, err)

	_, err = keys.VerifyDetached(jws, []byte(`{"format":"tampered"}`), trusted, "cavra-policy+jws")
	fmt.Println("tampered:", errors.Is(err, jose.ErrCryptoFailure))
	// Output:
	// header: {"alg":"EdDSA","kid":"release-1","typ":"cavra-policy+jws"}
	// detached: true
	// verified by: release-1 <nil>
	// tampered: true
}
