package approval_test

import (
	"fmt"
	"testing"

	"github.com/cavra-dev/cavra/approval"
	"github.com/cavra-dev/cavra/approval/approvaltest"
	"github.com/cavra-dev/cavra/decision"
)

// BenchmarkCheckMiss is the common case on the hot path: the policy wants
// approval and nothing is granted (one read transaction, no fsync).
func BenchmarkCheckMiss(b *testing.B) {
	s := newStore(b, nil)
	a := iamWrite()
	submit(b, s, a)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if v, _, err := s.Check(ctx, a, decision.RequireApproval); err != nil || v.Kind != approval.VerdictNone {
			b.Fatal(v, err)
		}
	}
}

// BenchmarkCheckConsume spends a grant use (a durable write).
func BenchmarkCheckConsume(b *testing.B) {
	is := approvaltest.NewIssuer(b)
	routing, _ := approval.NewRouting([]approval.Route{{ApproverGroup: "IAM", GrantUses: 1 << 30}}, "")
	s := newStore(b, &approval.Options{OIDC: is.Verifier(b), Routing: routing})
	a := iamWrite()
	req := submit(b, s, a)
	if _, _, err := s.Approve(ctx, req.ID, is.Token(b, "bob", "IAM"), "bench"); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if v, _, err := s.Check(ctx, a, decision.RequireApproval); err != nil || v.Kind != approval.VerdictGranted {
			b.Fatal(v, err)
		}
	}
}

// BenchmarkVerify verifies a cached-JWKS ES256 token.
func BenchmarkVerify(b *testing.B) {
	is := approvaltest.NewIssuer(b)
	v := is.Verifier(b)
	tok := string(is.Token(b, "bob", "IAM"))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := v.Verify(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkResolve(b *testing.B) {
	r := approval.DefaultRouting()
	s := approval.Subject{RuleID: "mcp.registry.tool_scope", Target: "github:create_issue"}
	for i := 0; i < b.N; i++ {
		if r.Resolve(s).ApproverGroup == "" {
			b.Fatal(fmt.Sprint(s))
		}
	}
}
