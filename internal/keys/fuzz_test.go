package keys

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

func FuzzVerifyDetached(f *testing.F) {
	ed := mustGenerate(f, jose.EdDSA, "ed")
	ec := mustGenerate(f, jose.ES256, "ec")
	set := setOf(ed, ec)
	payload := []byte(`{"format":"cavra.policy.v1"}`)
	for _, k := range []jose.JSONWebKey{ed, ec} {
		jws, err := SignDetached(payload, k, testTyp)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(jws, payload)
		f.Add(jws, []byte("other"))
	}
	f.Add(hmacForge(f, "ed", payload, []byte("secret")), payload)
	f.Add(forge(f, map[string]any{"alg": "none", "kid": "ed"}, nil), payload)
	f.Add(forge(f, map[string]any{"alg": "EdDSA", "kid": "ed", "crit": []string{"b64"}, "b64": false}, make([]byte, 64)), payload)
	f.Add(forge(f, map[string]any{"alg": "ES256", "kid": "ec", "jwk": map[string]any{"kty": "EC"}}, make([]byte, 64)), payload)
	f.Add("..", []byte{})
	f.Add("", []byte(nil))

	f.Fuzz(func(t *testing.T, jws string, p []byte) {
		kid, err := VerifyDetached(jws, p, set, testTyp)
		if err != nil {
			if kid != "" {
				t.Fatalf("kid %q returned with error %v", kid, err)
			}
			return
		}
		if kid != "ed" && kid != "ec" {
			t.Fatalf("verified with kid %q not in the set", kid)
		}
		// Anything that verifies must carry an accepted alg and our typ.
		head, _, _ := strings.Cut(jws, ".")
		raw, err := base64.RawURLEncoding.DecodeString(head)
		if err != nil {
			return // whitespace stripped by the parser; nothing more to check
		}
		var h map[string]any
		if json.Unmarshal(raw, &h) == nil {
			if h["alg"] != "EdDSA" && h["alg"] != "ES256" {
				t.Fatalf("verified with alg %v", h["alg"])
			}
		}
	})
}

func FuzzParsePublic(f *testing.F) {
	ed := mustGenerate(f, jose.EdDSA, "ed")
	ec := mustGenerate(f, jose.ES256, "ec")
	edPriv, _ := json.Marshal(ed)
	ecPub, _ := json.Marshal(ec.Public())
	f.Add(edPriv)
	f.Add(ecPub)
	f.Add([]byte(`{"keys":[` + string(edPriv) + `,` + string(ecPub) + `]}`))
	f.Add([]byte(`{"keys":[]}`))
	f.Add([]byte(`{"kty":"oct","k":"AAAA","kid":"h"}`))
	f.Add([]byte(`{"kty":"OKP","crv":"X25519","x":"AAAA","kid":"x"}`))
	f.Add([]byte(`{"kty":"EC","crv":"P-256","x":"","y":"","kid":"e"}`))
	f.Add([]byte(`null`))

	f.Fuzz(func(t *testing.T, data []byte) {
		set, err := parsePublic(data)
		if err != nil {
			return
		}
		if len(set.Keys) == 0 {
			t.Fatal("empty set without error")
		}
		seen := map[string]bool{}
		for _, k := range set.Keys {
			if !k.IsPublic() || !k.Valid() || k.KeyID == "" || seen[k.KeyID] {
				t.Fatalf("bad key in set: public=%v valid=%v kid=%q", k.IsPublic(), k.Valid(), k.KeyID)
			}
			seen[k.KeyID] = true
			if _, err := checkKey(k); err != nil {
				t.Fatalf("accepted key fails checkKey: %v", err)
			}
		}
	})
}

func FuzzParsePrivate(f *testing.F) {
	ed := mustGenerate(f, jose.EdDSA, "ed")
	ec := mustGenerate(f, jose.ES256, "ec")
	for _, k := range []jose.JSONWebKey{ed, ec, ed.Public()} {
		b, _ := json.Marshal(k)
		f.Add(b)
	}
	f.Add([]byte(`{"kty":"OKP","crv":"Ed25519","d":"AAAA","x":"AAAA","kid":"x"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := parsePrivate(data)
		if err != nil {
			return
		}
		if k.IsPublic() || k.KeyID == "" {
			t.Fatalf("accepted public=%v kid=%q", k.IsPublic(), k.KeyID)
		}
	})
}
