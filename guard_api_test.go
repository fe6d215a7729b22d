package cavra_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"reflect"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/approval"
	"github.com/cavra-dev/cavra/evidence"
	"github.com/cavra-dev/cavra/registry"
)

// escapeHatches are the types through which a caller could change state
// without a record (the stores and the log have write methods) or read a
// private key.
var escapeHatches = map[reflect.Type]string{
	reflect.TypeFor[approval.Store]():     "the approval store (approve, deny, sweep without evidence)",
	reflect.TypeFor[registry.Store]():     "the registry store (changes without evidence)",
	reflect.TypeFor[evidence.Log]():       "the evidence log (append, prune, legal hold)",
	reflect.TypeFor[evidence.KeyRing]():   "the key ring (rotates keys, returns the private key)",
	reflect.TypeFor[jose.JSONWebKey]():    "a JWK (may hold a private key)",
	reflect.TypeFor[ed25519.PrivateKey](): "a private key",
	reflect.TypeFor[ecdsa.PrivateKey]():   "a private key",
	reflect.TypeFor[rsa.PrivateKey]():     "a private key",
	reflect.TypeFor[crypto.Signer]():      "a signer",
}

// leaks reports the escape hatch reachable from t — t itself, what it
// points to or holds, its exported fields, and what the exported methods of
// this module's types return — with the path to it.
func leaks(t reflect.Type, path string, seen map[reflect.Type]bool) (string, bool) {
	if why, bad := escapeHatches[t]; bad {
		return path + ": " + why, true
	}
	if seen[t] {
		return "", false
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Chan:
		if p, bad := leaks(t.Elem(), path, seen); bad {
			return p, true
		}
	case reflect.Map:
		if p, bad := leaks(t.Key(), path, seen); bad {
			return p, true
		}
		if p, bad := leaks(t.Elem(), path, seen); bad {
			return p, true
		}
	case reflect.Func:
		for i := range t.NumOut() {
			if p, bad := leaks(t.Out(i), path, seen); bad {
				return p, true
			}
		}
	case reflect.Struct:
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() {
				if p, bad := leaks(f.Type, path+"."+f.Name, seen); bad {
					return p, true
				}
			}
		}
	}
	// The methods of this module's types: a read-only view must not hand
	// out what it wraps. (Standard and third-party types are not walked.)
	if strings.HasPrefix(t.PkgPath(), "github.com/cavra-dev/cavra") || (t.Kind() == reflect.Pointer && strings.HasPrefix(t.Elem().PkgPath(), "github.com/cavra-dev/cavra")) {
		for i := range t.NumMethod() {
			m := t.Method(i)
			if p, bad := leaks(m.Type, path+"."+m.Name+"()", seen); bad {
				return p, true
			}
		}
	}
	return "", false
}

// TestNoEscapeHatches: nothing the exported methods of *cavra.Guard and
// *cavra.State return (or what that returns in turn) is a store or log with
// write methods, or a private key.
func TestNoEscapeHatches(t *testing.T) {
	t.Parallel()
	for _, root := range []reflect.Type{reflect.TypeFor[*cavra.Guard](), reflect.TypeFor[*cavra.State]()} {
		for i := range root.NumMethod() {
			m := root.Method(i)
			if p, bad := leaks(m.Type, root.String()+"."+m.Name+"()", map[reflect.Type]bool{}); bad {
				t.Errorf("%s", p)
			}
		}
	}
}

// TestEscapeHatchCheckFails shows the check above catches what it should:
// the accessors this package used to have.
func TestEscapeHatchCheckFails(t *testing.T) {
	t.Parallel()
	for name, v := range map[string]any{
		"Approvals":        func() *approval.Store { return nil },
		"RegistryStore":    func() *registry.Store { return nil },
		"Evidence":         func() *evidence.Log { return nil },
		"LocalApprovalKey": func() (jose.JSONWebKey, error) { return jose.JSONWebKey{}, nil },
		"wrapped":          func() struct{ Key *ecdsa.PrivateKey } { return struct{ Key *ecdsa.PrivateKey }{} },
		"in a list":        func() []*evidence.KeyRing { return nil },
	} {
		if _, bad := leaks(reflect.TypeOf(v), name, map[reflect.Type]bool{}); !bad {
			t.Errorf("%s: not caught", name)
		}
	}
}
