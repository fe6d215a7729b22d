package approvaltest_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/cavra-dev/cavra/approval"
	"github.com/cavra-dev/cavra/approval/approvaltest"
)

func TestIssuer(t *testing.T) {
	is := approvaltest.NewIssuer(t)
	v := is.Verifier(t)
	id, err := v.Verify(context.Background(), string(is.Token(t, "bob", "IAM", "SRE")))
	if err != nil {
		t.Fatal(err)
	}
	if id.Issuer != is.URL || id.Subject != "bob" || id.Email != "bob@example.com" || len(id.Groups) != 2 || id.TokenID == "" {
		t.Fatalf("identity = %+v", id)
	}
	is.SetHandler(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("garbage")) })
	fresh := is.Verifier(t)
	if _, err := fresh.Verify(context.Background(), string(is.Token(t, "bob"))); !errors.Is(err, approval.ErrJWKSInvalid) {
		t.Fatalf("garbage JWKS: %v", err)
	}
	if is.Fetches() != 2 {
		t.Fatalf("fetches = %d", is.Fetches())
	}
}
