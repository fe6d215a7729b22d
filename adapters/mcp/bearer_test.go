package mcp_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"

	"github.com/cavra-dev/cavra/adapters/mcp"
	"github.com/cavra-dev/cavra/approval/approvaltest"
	"github.com/cavra-dev/cavra/cavratest"
)

func TestOIDCBearer(t *testing.T) {
	t.Parallel()
	is := cavratest.NewIssuer(t)
	v, err := is.Verifier()
	if err != nil {
		t.Fatal(err)
	}
	h := auth.RequireBearerToken(mcp.OIDCBearer(v), nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, auth.TokenInfoFromContext(r.Context()).UserID)
	}))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	claims := func(change func(map[string]any)) string {
		c := is.Claims("alice", "platform")
		change(c)
		return is.Mint(c)
	}
	other := cavratest.NewIssuer(t) // a real issuer, not the one trusted
	for _, tt := range []struct {
		name  string
		token string
		code  int
	}{
		{"valid", is.MintApprover("alice"), http.StatusOK},
		{"wrong audience", claims(func(c map[string]any) { c["aud"] = "someone-else" }), http.StatusUnauthorized},
		{"expired", claims(func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() }), http.StatusUnauthorized},
		{"another issuer", other.MintApprover("alice"), http.StatusUnauthorized},
		{"unsigned", string(approvaltest.Forge(map[string]any{"alg": "none", "typ": "JWT"}, is.Claims("alice"), nil)), http.StatusUnauthorized},
		{"garbage", "not-a-jwt", http.StatusUnauthorized},
		{"none", "", http.StatusUnauthorized},
	} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, nil)
		if tt.token != "" {
			req.Header.Set("Authorization", "Bearer "+tt.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.code {
			t.Errorf("%s: status %d (%s), want %d", tt.name, resp.StatusCode, body, tt.code)
		}
		if tt.code == http.StatusOK && string(body) != "alice" {
			t.Errorf("%s: caller %q, want alice", tt.name, body)
		}
	}
}
