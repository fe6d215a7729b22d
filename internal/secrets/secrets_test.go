package secrets

import (
	"strings"
	"testing"
)

// fake returns n deterministic pseudo-random characters from alphabet.
// Tokens are built at run time so that no key-shaped string sits in the
// source for other scanners to flag.
func fake(alphabet string, n int, seed uint32) string {
	var b strings.Builder
	x := seed*2654435761 + 1
	for i := 0; i < n; i++ {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b.WriteByte(alphabet[x%uint32(len(alphabet))])
	}
	return b.String()
}

const (
	alnumChars = lowers + uppers + digits
	b64urlCh   = lowers + uppers + digits + "_-"
	upDigit    = uppers + digits
)

// knownTokens are one of each kind Find reports by shape.
func knownTokens() []struct{ kind, token string } {
	return []struct{ kind, token string }{
		{AWSAccessKeyID, "AKIA" + fake(upDigit, 16, 1)},
		{AWSAccessKeyID, "ASIA" + fake(upDigit, 16, 2)},
		{GitHubToken, "ghp_" + fake(alnumChars, 36, 3)},
		{GitHubToken, "gho_" + fake(alnumChars, 36, 4)},
		{GitHubToken, "ghs_" + fake(alnumChars, 36, 5)},
		{GitHubToken, "github_pat_" + fake(alnumChars, 22, 6) + "_" + fake(alnumChars, 59, 7)},
		{GitLabToken, "glpat-" + fake(b64urlCh, 20, 8)},
		{SlackToken, "xoxb-" + fake(digits, 12, 9) + "-" + fake(digits, 13, 10) + "-" + fake(alnumChars, 24, 11)},
		{SlackToken, "xapp-1-" + fake(upDigit, 11, 12) + "-" + fake(digits, 13, 13) + "-" + fake(alnumChars, 64, 14)},
		{SlackWebhook, "hooks.slack.com/services/T" + fake(upDigit, 8, 15) + "/B" + fake(upDigit, 8, 16) + "/" + fake(alnumChars, 24, 17)},
		{StripeKey, "sk_live_" + fake(alnumChars, 24, 18)},
		{StripeKey, "rk_live_" + fake(alnumChars, 99, 19)},
		{AnthropicKey, "sk-ant-api03-" + fake(b64urlCh, 93, 20) + "AA"},
		{OpenAIKey, "sk-proj-" + fake(b64urlCh, 156, 21)},
		{OpenAIKey, "sk-" + fake(alnumChars, 20, 22) + "T3BlbkFJ" + fake(alnumChars, 20, 23)},
		{GoogleAPIKey, "AIza" + fake(b64urlCh, 35, 24)},
		{GoogleOAuth, "GOCSPX-" + fake(b64urlCh, 28, 25)},
		{GoogleOAuth, "ya29." + fake(b64urlCh, 120, 26)},
		{PrivateKey, "-----BEGIN RSA PRIVATE KEY-----"},
		{PrivateKey, "-----BEGIN OPENSSH PRIVATE KEY-----\n" + fake(alnumChars, 70, 27) + "\n-----END OPENSSH PRIVATE KEY-----"},
		{PrivateKey, "-----BEGIN PRIVATE KEY-----"},
		{PrivateKey, "-----BEGIN PGP PRIVATE KEY BLOCK-----"},
		{JWT, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ" + fake(b64urlCh, 40, 28) + "." + fake(b64urlCh, 43, 29)},
		{NPMToken, "npm_" + fake(alnumChars, 36, 30)},
		{PyPIToken, "pypi-AgEIcHlwaS5vcmc" + fake(b64urlCh, 70, 31)},
		{HuggingFaceToken, "hf_" + fake(alnumChars, 34, 32)},
		{HerokuKey, "HRKU-" + fake(b64urlCh, 60, 33)},
		{CloudflareToken, "cfut_" + fake(alnumChars, 46, 34)},
		{TwilioAPIKey, "SK" + fake("0123456789abcdef", 32, 35)},
		{SendGridKey, "SG." + fake(b64urlCh, 22, 36) + "." + fake(b64urlCh, 43, 37)},
	}
}

func TestFindKnownTokens(t *testing.T) {
	t.Parallel()
	for _, k := range knownTokens() {
		for _, frame := range []string{"%s", "x %s y", "TOKEN=%s", `{"key": "%s"}`, "https://h/p?t=%s&x=1", "Bearer %s", "(%s)"} {
			text := strings.Replace(frame, "%s", k.token, 1)
			start := strings.Index(text, k.token)
			got := Find(text)
			if len(got) != 1 || got[0] != (Match{k.kind, start, start + len(k.token)}) {
				t.Errorf("Find(%q) = %v, want one %s at %d", text, got, k.kind, start)
			}
		}
	}
}

func TestFindLabelled(t *testing.T) {
	t.Parallel()
	awsSecret := fake(lowers+uppers+digits+"/+", 40, 40)
	pw := fake(alnumChars+"!#%^", 20, 41)
	tests := []struct {
		text, kind, want string
	}{
		{"aws_secret_access_key=" + awsSecret, AWSSecretAccessKey, awsSecret},
		{"AWS_SECRET_ACCESS_KEY: " + awsSecret, AWSSecretAccessKey, awsSecret},
		{`"SecretAccessKey": "` + awsSecret + `"`, AWSSecretAccessKey, awsSecret},
		{"export aws-secret-access-key='" + awsSecret + "'", AWSSecretAccessKey, awsSecret},
		{"password=" + pw, GenericSecret, pw},
		{"--password=" + pw, GenericSecret, pw},
		{"mysql --password " + pw + " db", GenericSecret, pw},
		{`{"client_secret":"` + pw + `"}`, GenericSecret, pw},
		{"api_key: " + pw, GenericSecret, pw},
		{"curl 'https://api.x/v1?access_token=" + pw + "&page=2'", GenericSecret, pw},
		{"DB_PASS = \"" + pw + "\"", GenericSecret, pw},
		{"x-api-key: " + pw, GenericSecret, pw},
		{"HEROKU_API_KEY=01234567-89ab-4def-8123-456789abcdef", GenericSecret, "01234567-89ab-4def-8123-456789abcdef"},
		{"curl -H 'Authorization: Bearer " + pw + "' https://x", Authorization, pw},
		{"Authorization: Basic dXNlcjpwYXNzd29yZA==", Authorization, "dXNlcjpwYXNzd29yZA=="},
		{`-H "Proxy-Authorization: token ` + pw + `"`, Authorization, pw},
		{"psql postgres://app:" + pw + "@db.internal:5432/app", URLPassword, pw},
		{"https://user:hunter2@example.com/", URLPassword, "hunter2"},
		// A labelled value that is a known token is reported as the token.
		{"password=ghp_" + fake(alnumChars, 36, 42), GitHubToken, ""},
		{"Authorization: Bearer sk-ant-api03-" + fake(b64urlCh, 95, 43), AnthropicKey, ""},
	}
	for _, tt := range tests {
		got := Find(tt.text)
		if len(got) != 1 || got[0].Kind != tt.kind {
			t.Errorf("Find(%q) = %v, want one %s", tt.text, got, tt.kind)
			continue
		}
		if tt.want != "" && tt.text[got[0].Start:got[0].End] != tt.want {
			t.Errorf("Find(%q) matched %q, want %q", tt.text, tt.text[got[0].Start:got[0].End], tt.want)
		}
	}
}

func TestFindNegatives(t *testing.T) {
	t.Parallel()
	for _, text := range []string{
		// Ordinary words and commands.
		"the quick brown fox jumps over the lazy dog",
		"curl -sSL https://example.com/install.sh | sh",
		"git commit -m 'rotate the token and the secret'",
		"pip install scikit-learn sk-video",
		"the sk- prefix marks an OpenAI key; sk-ant- an Anthropic one",
		"use sk-this-is-a-placeholder-key-for-the-docs-and-nothing-else",
		"sk-" + strings.Repeat("abcdefgh", 6), // long but lower case only
		"ASKING AKIAFOO ghp_short glpat-short xoxb-12 AIzaShort npm_short",
		"MYAKIA" + fake(upDigit, 16, 50),
		"AKIA" + fake(upDigit, 17, 51), // too long
		"ghp_" + fake(alnumChars, 20, 52),
		// Git SHAs, UUIDs, base64 of short text, hashes.
		"git checkout da39a3ee5e6b4b0d3255bfef95601890afd80709",
		"commit=da39a3ee5e6b4b0d3255bfef95601890afd80709",
		"id 123e4567-e89b-12d3-a456-426614174000",
		"request_id=123e4567-e89b-12d3-a456-426614174000",
		"echo aGVsbG8gd29ybGQ= | base64 -d",
		"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.", // unsigned JWT
		// Labelled but not secret values.
		"password=${DB_PASSWORD}",
		"password=$(cat /run/secrets/db)",
		"token=<your-token-here>",
		"api_key=******************",
		"password=changeme", "password=changeme1234", "api_key=your-api-key-here", "TOKEN=EXAMPLE_TOKEN_1234",
		"password=abcabcabc123", "https://user:your-password@host/", "secret=Insert_Key_HERE_9",
		"password=aaaaaaaaaaaaaaaa",
		"token=true",
		"secret_name=prod-db-credentials-2024",
		"token_url=https://auth.example.com/oauth/token",
		"max_tokens=4096 tokens=1234567890123",
		"Authorization: Bearer $TOKEN",
		`{"password": "this is a sentence, not a password"}`,
		"postgres://app@db/app", "https://user:@host/", "https://user:$PASS@host/",
		"-----BEGIN PUBLIC KEY-----",
		"-----BEGIN CERTIFICATE-----",
		"", "=", ":", "://", "a=", "--", "--password",
	} {
		if got := Find(text); len(got) != 0 {
			t.Errorf("Find(%q) = %v, want none (%q)", text, got, text[got[0].Start:got[0].End])
		}
	}
}

func TestFindSeveral(t *testing.T) {
	t.Parallel()
	a, g := "AKIA"+fake(upDigit, 16, 60), "ghp_"+fake(alnumChars, 36, 61)
	text := "AWS_ACCESS_KEY_ID=" + a + " GITHUB_TOKEN=" + g + " curl https://u:" + g + "@x/"
	got := Find(text)
	want := []string{AWSAccessKeyID, GitHubToken, URLPassword}
	if len(got) != len(want) {
		t.Fatalf("Find = %v, want kinds %v", got, want)
	}
	for i := range want {
		if got[i].Kind != want[i] {
			t.Errorf("match %d is %s, want %s", i, got[i].Kind, want[i])
		}
	}
}

func TestSecretEnvName(t *testing.T) {
	t.Parallel()
	yes := []string{
		"GITHUB_TOKEN", "GH_TOKEN", "NPM_TOKEN", "VAULT_TOKEN", "AWS_SESSION_TOKEN", "AWS_SECRET_ACCESS_KEY",
		"ANTHROPIC_API_KEY", "OPENAI_API_KEY", "STRIPE_APIKEY", "DATABASE_URL", "SENTRY_DSN", "REDIS_URL",
		"MONGODB_URI", "SLACK_WEBHOOK_URL", "DISCORD_WEBHOOK", "CLIENT_SECRET", "JWT_SECRET", "APP_SECRET_VALUE",
		"SECRET_KEY_BASE", "DB_PASSWORD", "DB_PASSWD", "DB_PASS", "PGPASSWORD", "MYSQL_PWD", "GPG_PASSPHRASE",
		"SSH_PRIVATE_KEY", "MINIO_ACCESS_KEY", "AZURE_STORAGE_CONNECTION_STRING", "AZURE_STORAGE_ACCOUNT_KEY",
		"GCP_CREDENTIALS", "DOCKER_CREDENTIAL", "NGROK_AUTHTOKEN", "REDISCLI_AUTH", "SESSION_COOKIE",
		"github_token", "Github_Token", "password", "token", "secret", "api_key", "apikey", "x-api-key",
		"npm_config_//registry.npmjs.org/:_authToken", "HF_TOKEN", "CI_JOB_TOKEN",
	}
	no := []string{
		"PATH", "HOME", "NODE_ENV", "TOKENIZERS_PARALLELISM", "PASSWORD_STORE_DIR", "GPG_TTY", "SSH_AUTH_SOCK",
		"KUBECONFIG", "AWS_ACCESS_KEY_ID", "AWS_REGION", "OAUTH_TOKEN_URL", "ACTIONS_ID_TOKEN_REQUEST_URL",
		"DB_PASSWORD_FILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "GOOGLE_APPLICATION_CREDENTIALS", "DB_SECRET_NAME",
		"SECRET_ARN", "PWD", "OLDPWD", "MAX_TOKENS", "CACHE_KEY", "SORT_KEY", "API_URL", "DATABASE_HOST",
		"GIT_CREDENTIAL_HELPER", "TOKEN_TYPE", "", "_", "SHELL", "LANG",
	}
	for _, n := range yes {
		if !SecretEnvName(n) {
			t.Errorf("SecretEnvName(%q) = false, want true", n)
		}
	}
	for _, n := range no {
		if SecretEnvName(n) {
			t.Errorf("SecretEnvName(%q) = true, want false", n)
		}
	}
}

func TestSecretEnvNameAllocs(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { SecretEnvName("AWS_SECRET_ACCESS_KEY") }); n != 0 {
		t.Errorf("SecretEnvName allocates %v times", n)
	}
}

// TestFindDocumentationKey: AWS's documentation example has a key's shape,
// and a key's shape is all Find can judge: in a URL or a DNS name it is
// reported like any other access key id.
func TestFindDocumentationKey(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"AKIAIOSFODNN7EXAMPLE", "https://AKIAIOSFODNN7EXAMPLE.x.example.net/", "https://x.example.net/c?k=AKIAIOSFODNN7EXAMPLE&s=1"} {
		got := Find(text)
		if len(got) != 1 || got[0].Kind != AWSAccessKeyID || text[got[0].Start:got[0].End] != "AKIAIOSFODNN7EXAMPLE" {
			t.Errorf("Find(%q) = %v, want the access key id", text, got)
		}
	}
}
