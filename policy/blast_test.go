package policy

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cavra-dev/cavra/decision"
)

// blastPack has one rule that matches when a command named
// context.name has the blast facts the context names.
const blastPack = packHead + `
commands: {default: allow}
rules:
  - id: probe
    description: the facts are as expected
    when: |
      action.type == "execute_command" && action.commands.exists(c, c.name == context.name &&
        string(c.dry_run) == context.dry && c.env == context.env && c.db_effect == context.db)
    decision: block
    reason: probe
`

// TestBlastFacts checks c.dry_run, c.env and c.db_effect.
func TestBlastFacts(t *testing.T) {
	t.Parallel()
	set := compileYAML(t, blastPack)
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "wipe.sql"), []byte("-- wipe\nTRUNCATE orders;"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "report.sql"), []byte("SELECT 'DROP TABLE x' FROM t; /* DELETE FROM t */"), 0o600); err != nil {
		t.Fatal(err)
	}
	opts := EvalOptions{Dir: root, Home: "/home/user"}
	for _, tc := range []struct {
		line, name, dry, env, db, environment string
	}{
		// Dry runs.
		{"kubectl delete deploy api -n prod --dry-run=client", "kubectl", "true", "production", "", ""},
		{"kubectl delete ns prod --dry-run=none", "kubectl", "false", "production", "", ""},
		{"kubectl exec api-0 -- frob --dry-run", "kubectl", "false", "", "", ""},
		{"helm diff upgrade api ./chart -n prod", "helm", "true", "production", "", ""},
		{"make -n deploy", "make", "true", "", "", ""},
		{"make -C build deploy", "make", "false", "", "", ""},
		{"make -j8 -n", "make", "true", "", "", ""},
		{"rsync -avn --delete dist/ web1.example.net:/srv/", "rsync", "true", "", "", ""},
		{"rsync -avn -e 'sh -c x' dist/ web1.example.net:/srv/", "rsync", "false", "", "", ""},
		{"npm publish --dry-run", "npm", "true", "", "", ""},
		{"npm publish -- --dry-run", "npm", "false", "", "", ""},
		{"aws s3 sync ./site s3://b --delete --dryrun", "aws", "true", "", "", ""},
		{"ansible-playbook -i inventories/production site.yml --check", "ansible-playbook", "true", "production", "", ""},
		{"terraform -chdir=infra/prod plan", "terraform", "true", "production", "", ""},
		{"kubectl create secret generic x --from-file=k=./key --dry-run=client -o yaml", "kubectl", "false", "", "", ""},
		// Kube contexts.
		{"kubectl --context kind-dev delete pod api-0", "kubectl", "false", "local", "", ""},
		{"kubectl config use-context minikube && kubectl apply -f k8s/", "kubectl", "false", "local", "", ""},
		{"kubectl --context staging apply -f k8s/", "kubectl", "false", "staging", "", ""},
		{"kubectl apply -f k8s/", "kubectl", "false", "production", "", "production"},
		{"helm upgrade api ./chart", "helm", "false", "staging", "", "staging"},
		// SQL in every place it hides.
		{`psql -h localhost -d app_dev -c "DELETE FROM sessions"`, "psql", "false", "development", "destroy", ""},
		{`psql -h localhost -d app -c "DELETE FROM sessions"`, "psql", "false", "local", "destroy", ""},
		{`psql -h db.prod.acme.internal -d app -c "SELECT 'drop table x'"`, "psql", "false", "production", "read", ""},
		{`psql -h db.prod.acme.internal -c "UPDATE users SET a=1 WHERE id=7"`, "psql", "false", "production", "write", ""},
		{`echo "DROP DATABASE app" | psql -h prod-db`, "psql", "false", "production", "destroy", ""},
		{"psql -h prod-db <<'SQL'\nBEGIN;\nDROP TABLE audit_log;\nCOMMIT;\nSQL", "psql", "false", "production", "destroy", ""},
		{"printf 'DROP TABLE users;' > /tmp/x.sql && psql -h prod-db -f /tmp/x.sql", "psql", "false", "production", "destroy", ""},
		{"psql -h prod-db -f <(echo 'DROP SCHEMA public CASCADE')", "psql", "false", "production", "destroy", ""},
		{`mysql -h mysql-prod app < <(echo "DELETE FROM users")`, "mysql", "false", "production", "destroy", ""},
		{"psql -h db.example.com -f wipe.sql", "psql", "false", "remote", "destroy", ""},
		{"psql -h db.example.com -f report.sql", "psql", "false", "remote", "read", ""},
		{"cat wipe.sql | psql -h db.example.com", "psql", "false", "remote", "destroy", ""},
		{"psql -h db.example.com -f missing.sql", "psql", "false", "remote", "unknown", ""},
		{`psql "$DATABASE_URL" -c "DROP TABLE legacy"`, "psql", "false", "", "destroy", ""},
		{"sqlite3 dev.db 'DELETE FROM events'", "sqlite3", "false", "development", "destroy", ""},
		{"sqlite3 /var/lib/app/prod.db 'DELETE FROM users'", "sqlite3", "false", "production", "destroy", ""},
		{"redis-cli -h 127.0.0.1 FLUSHDB", "redis-cli", "false", "development", "destroy", ""},
		{"redis-cli -h cache.prod.acme.internal DEL session:1", "redis-cli", "false", "production", "write", ""},
		{`mongosh "mongodb://db.prod.acme.internal/app" --eval 'db.users.deleteMany({})'`, "mongosh", "false", "production", "destroy", ""},
		{"docker compose exec db psql -U app -c 'TRUNCATE jobs'", "docker", "false", "development", "destroy", ""},
		// Framework tasks.
		{"RAILS_ENV=production bin/rails db:drop", "rails", "false", "production", "destroy", ""},
		{"bin/rails db:reset", "rails", "false", "development", "destroy", ""},
		{"python manage.py flush --no-input", "python", "false", "production", "destroy", "production"},
		{"php artisan migrate:fresh --force", "php", "false", "production", "destroy", ""},
	} {
		a := action("execute_command", tc.line)
		a.Context = map[string]string{"name": tc.name, "dry": tc.dry, "env": tc.env, "db": tc.db, decision.ContextEnvironment: tc.environment}
		if d := set.Evaluate(t.Context(), a, opts); d.RuleID != "probe" {
			t.Errorf("%q: %s is not dry_run=%s env=%q db_effect=%q (got %s %s)", tc.line, tc.name, tc.dry, tc.env, tc.db, d.RuleID, d.Reason)
		}
	}
}

// FuzzMigrateTargetEnv: any migration arguments give a known class and
// never panic; a URL to loopback never raises the development default.
func FuzzMigrateTargetEnv(f *testing.F) {
	for _, s := range []string{
		"-url=jdbc:postgresql://db.staging.internal:5432/app;x=y", "postgres://localhost/app_dev", "host=10.0.0.1 dbname=app",
		"--database-url=mysql://u:p@[::1]:3306/x?y", "-h", "--host=", "://", "jdbc:", "host= dbname=", "postgres://@/",
	} {
		f.Add(s, "up")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		env := migrateTargetEnv([]string{a, b, "-h", a})
		switch env {
		case "", envProduction, envStaging, envDevelopment, envRemote:
		default:
			t.Fatalf("migrateTargetEnv(%q, %q) = %q", a, b, env)
		}
	})
}

func TestMigrateTargetEnv(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-url=jdbc:postgresql://db.staging.internal:5432/app", "migrate"}, envStaging},
		{[]string{"postgres", "postgres://localhost/app_dev", "up"}, envDevelopment},
		{[]string{"postgres", "postgres://localhost/app", "up"}, ""},
		{[]string{"--url", "postgres://app@prod-db.acme.internal/app", "up"}, envProduction},
		{[]string{"postgres", "host=10.0.3.17 dbname=app", "up"}, envRemote},
		{[]string{"up"}, ""},
	} {
		if got := migrateTargetEnv(tt.args); got != tt.want {
			t.Errorf("migrateTargetEnv(%q) = %q, want %q", tt.args, got, tt.want)
		}
	}
}
