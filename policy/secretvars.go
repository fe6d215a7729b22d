package policy

import "strings"

// secretVars returns the names of secret-holding environment variables a
// command is given: referenced in its arguments ($GITHUB_TOKEN,
// "${AWS_SECRET_ACCESS_KEY}", "Bearer $NPM_TOKEN"), or, for printenv,
// named as operands. What the command does with them (prints, sends)
// is for the rules.
func secretVars(c *CommandFacts) []string {
	if c.secretVarsDone {
		return c.secretVars
	}
	c.secretVars, c.secretVarsDone = findSecretVars(c), true
	return c.secretVars
}

func findSecretVars(c *CommandFacts) []string {
	var out []string
	for _, name := range c.CodeEnv {
		if name != "*" && secretEnvName(name) {
			out = addUnique(out, name)
		}
	}
	for _, a := range c.Args {
		if c.Name == "printenv" && !strings.HasPrefix(a, "-") && secretEnvName(a) {
			out = addUnique(out, a)
			continue
		}
		for i := 0; i < len(a); i++ {
			if a[i] != '$' {
				continue
			}
			j := i + 1
			if j < len(a) && a[j] == '{' {
				j++
			}
			k := j
			for k < len(a) && (a[k] == '_' || a[k] >= 'A' && a[k] <= 'Z' || a[k] >= 'a' && a[k] <= 'z' || k > j && a[k] >= '0' && a[k] <= '9') {
				k++
			}
			if name := a[j:k]; name != "" && secretEnvName(name) {
				out = addUnique(out, name)
			}
			i = k - 1
		}
	}
	return out
}

// secretEnvName reports whether an environment variable's name says it
// holds a secret: a token, password, secret, private or API key, or
// credentials, or a URL with a password in it (DATABASE_URL, *_DSN). Names
// that only point at a secret (…_FILE, …_PATH, …_DIR), identifiers
// (…_KEY_ID, …_USER) and settings (TOKENIZERS_PARALLELISM) do not.
func secretEnvName(name string) bool {
	n := strings.ToUpper(name)
	for _, suf := range []string{"_FILE", "_PATH", "_DIR", "_URL_FILE", "_ID", "_USER", "_USERNAME", "_TTL", "_EXPIRY", "_TYPE", "_HEADER", "_NAME", "_ENDPOINT"} {
		if strings.HasSuffix(n, suf) {
			return false
		}
	}
	switch n {
	case "DATABASE_URL", "REDIS_URL", "MONGO_URL", "MONGODB_URI", "AMQP_URL", "SENTRY_DSN", "PGPASSWORD", "MYSQL_PWD",
		"GITHUB_TOKEN", "GH_TOKEN", "GITLAB_TOKEN", "NPM_TOKEN", "VAULT_TOKEN", "CI_JOB_TOKEN", "HF_TOKEN", "AWS_SESSION_TOKEN":
		return true
	case "TOKENIZERS_PARALLELISM", "PASSWORD_STORE_DIR", "GPG_TTY", "SSH_AUTH_SOCK":
		return false
	}
	for _, w := range []string{"TOKEN", "SECRET", "PASSWORD", "PASSWD", "PASSPHRASE", "API_KEY", "APIKEY", "ACCESS_KEY", "PRIVATE_KEY", "CREDENTIAL", "AUTH_KEY", "SIGNING_KEY", "CLIENT_KEY", "_DSN", "_PWD"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}
