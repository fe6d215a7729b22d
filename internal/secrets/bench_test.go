package secrets

import (
	"strings"
	"testing"
)

// A 200-byte command line of the kind an agent runs.
const cmdLine = `curl -sS -X POST -H 'Content-Type: application/json' -H 'Accept: application/vnd.github+json' ` +
	`-d '{"title":"Fix flaky tst","head":"fix/retr","base":"main"}' https://api.github.com/repos/acme/web/pulls`

func BenchmarkFind(b *testing.B) {
	if len(cmdLine) != 200 {
		b.Fatalf("the command line is %d bytes", len(cmdLine))
	}
	withToken := strings.Replace(cmdLine, "Accept: application/vnd.github+json", "Authorization: Bearer ghp_"+fake(alnumChars, 36, 1), 1)
	for _, c := range []struct{ name, s string }{
		{"cmdline_200B_clean", cmdLine},
		{"cmdline_with_token", withToken},
		{"prose_1KB", strings.Repeat("the secret of a good token is a long password, they say; ", 18)},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.s)))
			for b.Loop() {
				Find(c.s)
			}
		})
	}
}

// BenchmarkFindAdversarial measures inputs built to defeat the scanner's
// bounds: long runs of failing candidates and separators.
func BenchmarkFindAdversarial(b *testing.B) {
	for _, c := range []struct{ name, s string }{
		{"jwt_headers", strings.Repeat("eyJaaaaaaaaaaaa.", 1<<14)},
		{"dashed_run", strings.Repeat("-eyJa", 1<<14)},
		{"assignments", strings.Repeat("password=", 1<<13)},
		{"pem_headers", strings.Repeat("-----BEGIN PRIVATE KEY-----\n", 1<<12)},
		{"urls", strings.Repeat("a://b:c", 1<<13)},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.s)))
			for b.Loop() {
				Find(c.s)
			}
		})
	}
}

func BenchmarkSecretEnvName(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		SecretEnvName("AWS_SECRET_ACCESS_KEY")
		SecretEnvName("TOKENIZERS_PARALLELISM")
	}
}
