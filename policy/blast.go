package policy

import (
	"path"
	"strings"

	"github.com/cavra-dev/cavra/decision"
	"github.com/cavra-dev/cavra/internal/netaddr"
	"github.com/cavra-dev/cavra/internal/sqlscan"
	"github.com/cavra-dev/cavra/policy/shell"
)

// Context sets the blast radius (issue 13, item 7). Three facts per
// command, computed here and seen by rules as c.dry_run, c.env and
// c.db_effect:
//
//   - dry_run: the tool was told, by its own option, only to show what it
//     would do (kubectl --dry-run=client, helm diff, terraform plan, make -n,
//     rsync -n, npm publish --dry-run, ansible --check…). An option after
//     `--` is an operand, and `--dry-run=none` is not a dry run.
//   - env: the environment the command acts on: "production", "staging" (a
//     shared environment that is not production: staging, qa, uat, a remote
//     dev host), "development" (a development or test environment of this
//     machine's project), "local" (this machine: loopback hosts, a local
//     container or cluster, a file in the project), "remote" (a named host
//     that says nothing of its environment) or "" (not known).
//   - db_effect: what the command does to a database's data: "destroy",
//     "write", "read", "unknown" (statements it cannot see: a file that is
//     not there, a stream) or "" (no database statement).

// Environment classes (CommandFacts.Env).
const (
	envProduction  = "production"
	envStaging     = "staging"
	envDevelopment = "development"
	envLocal       = "local"
	envRemote      = "remote"
)

// envRank orders the classes by what a mistake there costs.
func envRank(env string) int {
	switch env {
	case envLocal:
		return 0
	case envDevelopment:
		return 1
	case "":
		return 2
	case envStaging:
		return 3
	case envRemote:
		return 4
	}
	return 5
}

func maxEnv(a, b string) string {
	if envRank(b) > envRank(a) {
		return b
	}
	return a
}

// nameEnv classifies a name (a host, a kube context, a database, an
// inventory path, a release) by its parts: prod-db, app_production,
// inventories/staging, web1.prod.acme.internal. Production wins over the
// others; "" when no part names an environment.
func nameEnv(s string) string {
	if s == "" || len(s) > 512 {
		return ""
	}
	if localContext(s) {
		return envLocal
	}
	best := ""
	for i := 0; i < len(s); {
		for i < len(s) && !alnum(s[i]) {
			i++
		}
		j := i
		for j < len(s) && alnum(s[j]) {
			j++
		}
		switch part := s[i:j]; {
		case part == "":
		case eqAny(part, "prod", "production", "prd", "live"):
			return envProduction
		case eqAny(part, "staging", "stage", "stg", "preprod", "uat", "qa", "preview", "shared"):
			best = envStaging
		case best == "" && eqAny(part, "dev", "development", "local", "test", "testing", "ci", "sandbox", "scratch"):
			best = envDevelopment
		}
		i = j
	}
	return best
}

// localContext reports the kube contexts of clusters on this machine.
func localContext(s string) bool {
	switch strings.ToLower(s) {
	case "minikube", "docker-desktop", "docker-for-desktop", "colima", "rancher-desktop", "orbstack", "microk8s":
		return true
	}
	return len(s) > 5 && (strings.EqualFold(s[:5], "kind-") || strings.EqualFold(s[:4], "k3d-"))
}

func alnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func eqAny(s string, words ...string) bool {
	for _, w := range words {
		if strings.EqualFold(s, w) {
			return true
		}
	}
	return false
}

// envVars name the environment a framework runs in.
var envVars = map[string]bool{"RAILS_ENV": true, "RACK_ENV": true, "NODE_ENV": true, "APP_ENV": true, "MIX_ENV": true, "FLASK_ENV": true,
	"ASPNETCORE_ENVIRONMENT": true, "DOTNET_ENVIRONMENT": true, "DJANGO_SETTINGS_MODULE": true, "ENVIRONMENT": true, "STAGE": true,
	"DEPLOY_ENV": true, "KUBE_CONTEXT": true, "KUBECONFIG": true, "TF_WORKSPACE": true, "PGHOST": true, "DATABASE_URL": true,
	"MYSQL_HOST": true, "REDIS_URL": true, "MONGO_URL": true, "MONGODB_URI": true}

// lineEnv is the environment the line's assignments name (RAILS_ENV=production
// bin/rails …, export NODE_ENV=staging; …), or "".
func lineEnv(line string) string {
	env := ""
	for _, w := range strings.Fields(line) {
		name, val, ok := strings.Cut(w, "=")
		if !ok || !envVars[name] {
			continue
		}
		if name == "DISABLE_DATABASE_ENVIRONMENT_CHECK" {
			continue
		}
		if name == "PGHOST" || name == "DATABASE_URL" || name == "MYSQL_HOST" || name == "REDIS_URL" || name == "MONGO_URL" || name == "MONGODB_URI" {
			env = maxEnv(env, hostEnv(hostOf(val), ""))
			continue
		}
		if e := nameEnv(val); e != "" {
			env = maxEnv(env, e)
		}
	}
	if strings.Contains(line, "DISABLE_DATABASE_ENVIRONMENT_CHECK=1") {
		env = envProduction // the switch exists to destroy a production database
	}
	return env
}

// hostOf returns the host of a URL or host[:port] word.
func hostOf(s string) string {
	if s == "" {
		return ""
	}
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
		if j := strings.IndexAny(s, "/?"); j >= 0 {
			s = s[:j]
		}
		if j := strings.LastIndexByte(s, '@'); j >= 0 {
			s = s[j+1:]
		}
	}
	if h := netaddr.ParseHost(s); h.Name != "" || h.Addr.IsValid() {
		return s
	}
	return s
}

// hostEnv classifies a database host and database name.
func hostEnv(host, db string) string {
	dbEnv := nameEnv(db)
	if host == "" {
		// No host: the client's default (a socket, PGHOST, a config
		// file) is not known; a database name alone does not make it local.
		if dbEnv == envProduction || dbEnv == envStaging {
			return dbEnv
		}
		return ""
	}
	if strings.HasPrefix(host, "/") || localHost(strings.TrimSuffix(hostOnly(host), ".")) || hostOnly(host) == "0.0.0.0" {
		if dbEnv == envProduction || dbEnv == envStaging {
			return dbEnv // a tunnel to production looks like localhost
		}
		if dbEnv == envDevelopment {
			return envDevelopment // this machine, and a database named for development or tests
		}
		return envLocal
	}
	if strings.HasPrefix(host, "$") {
		// A connection string only run time knows, named for its
		// environment ($PROD_DATABASE_URL, ${STAGING_DB}).
		if e := nameEnv(host); e == envProduction || e == envStaging {
			return maxEnv(e, dbEnv)
		}
		return maxEnv("", dbEnv)
	}
	if hostOnly(host) == "" {
		return maxEnv("", dbEnv)
	}
	switch e := nameEnv(hostOnly(host)); e {
	case envProduction:
		return e
	case envStaging, envDevelopment:
		if dbEnv == envProduction {
			return dbEnv
		}
		return envStaging // a remote host that is not production is shared
	}
	if dbEnv == envProduction || dbEnv == envStaging {
		return dbEnv
	}
	if !strings.Contains(hostOnly(host), ".") && !strings.Contains(host, ":") {
		// A bare service name (db, postgres, redis) is a container on a
		// local network or a name only run time knows.
		return ""
	}
	return envRemote
}

func hostOnly(h string) string {
	p := netaddr.ParseHost(h)
	if p.Addr.IsValid() {
		return p.Addr.String()
	}
	return p.Name
}

// blastFacts sets DryRun, Env and DB of the line's commands.
func (e *evaluation) blastFacts(an *shell.Analysis) {
	f := &e.facts
	ctxEnv := nameEnv(strings.TrimSpace(e.act.Context[decision.ContextEnvironment]))
	if ctxEnv != envProduction && ctxEnv != envStaging {
		ctxEnv = ""
	}
	le := ""
	if strings.Contains(f.Line, "=") {
		le = lineEnv(f.Line)
	}
	kubeCtx := "" // a context switched to earlier on the line
	for i := range f.Commands {
		cf := &f.Commands[i]
		sc := &an.Commands[i]
		if cf.Dynamic || cf.Opaque != "" {
			continue
		}
		name, args, local := cf.Name, cf.Args, false
		if n, a, ok := containerExec(name, args); ok {
			name, args, local = n, a, true
		}
		cf.DryRun = dryRun(name, args)
		env := ""
		switch {
		case kubeTools[name]:
			env = kubeEnv(name, args, kubeCtx)
			if c := switchedContext(name, args); c != "" {
				kubeCtx = c
			}
		case dbClients[name]:
			var eff sqlscan.Effect
			var known bool
			env, eff, known = e.dbCommand(name, args, sc, i)
			cf.DB = eff.String()
			if eff == sqlscan.DestroyAll {
				cf.DBScope = "database"
			}
			if !known {
				cf.DB = "unknown"
			}
		default:
			env = argsEnv(name, args)
			if op := serviceOp(name, args); op != "" {
				cf.Service = op
				env = maxEnv(env, serviceEnv(args))
			} else if composeEnv := composeFileEnv(name, args); composeEnv != "" {
				cf.Service = "change"
				env = maxEnv(env, composeEnv)
			}
			if denv, eff, known, ok := e.hostedSQL(name, args, sc, i); ok {
				cf.DB = eff.String()
				if !known {
					cf.DB = "unknown"
				}
				if denv == envDevelopment {
					env = denv // --local: the local copy, whatever the database is named
				} else {
					env = maxEnv(env, denv)
				}
			}
			if frameworkMigrate(name, args) {
				cf.DB = sqlscan.Write.String()
				for _, a := range args {
					if n := nameEnv(a); n == envProduction || n == envStaging {
						env = maxEnv(env, n)
					}
				}
				env = maxEnv(env, migrateTargetEnv(args))
			}
			if frameworkReset(name, args) {
				cf.DB = sqlscan.Destroy.String()
				for _, a := range args {
					if n := nameEnv(a); n == envProduction || n == envStaging {
						env = maxEnv(env, n)
					}
				}
				for _, a := range args {
					if strings.HasSuffix(a, ".db") || strings.HasSuffix(a, ".sqlite") || strings.HasSuffix(a, ".sqlite3") {
						if fe := e.fileEnv(a, sc); fe == envLocal && env == "" {
							env = envLocal
						}
					}
				}
			}
		}
		if local && env != envProduction && env != envStaging {
			// A service of a local container stack is a development one.
			env = envLocal
			if dbClients[name] {
				env = envDevelopment
			}
		}
		if env == "" || env == envDevelopment {
			if le != "" {
				env = maxEnv(env, le)
			} else if cf.DB != "" && !dbClients[name] {
				env = envDevelopment // a framework task with no environment set runs in development
			}
		}
		if ctxEnv != "" {
			env = maxEnv(env, ctxEnv)
		}
		cf.Env = env
		cf.DryRun = cf.DryRun && !containsSecretFlag(args)
		cf.localTarget = env == envLocal && (kubeTools[name] || dbClients[name]) || cf.DB != "" && (env == envLocal || env == envDevelopment)
	}
}

// containsSecretFlag reports options that put secret material in a dry
// run's output (kubectl create secret --from-file=… -o yaml prints it).
func containsSecretFlag(args []string) bool {
	for _, a := range args {
		if a == "secret" || a == "secrets" || strings.HasPrefix(a, "secret/") || strings.HasPrefix(a, "--from-file") || strings.HasPrefix(a, "--from-env-file") {
			return true
		}
	}
	return false
}

// containerExec sees through `docker compose exec SERVICE cmd…`, `docker
// exec CONTAINER cmd…` (and podman, nerdctl, docker-compose): the command
// runs in a local container.
func containerExec(name string, args []string) (string, []string, bool) {
	switch name {
	case "docker", "podman", "nerdctl":
		if len(args) > 0 && (args[0] == "compose" || args[0] == "container") {
			args = args[1:]
		}
	case "docker-compose", "podman-compose":
	default:
		return "", nil, false
	}
	if len(args) == 0 || args[0] != "exec" && args[0] != "run" {
		return "", nil, false
	}
	args = args[1:]
	withValue := map[string]bool{"-u": true, "--user": true, "-w": true, "--workdir": true, "-e": true, "--env": true, "--index": true, "--env-file": true, "--name": true, "-p": true, "--publish": true, "-v": true, "--volume": true, "--entrypoint": true}
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		if withValue[args[0]] && len(args) > 1 {
			args = args[1:]
		}
		args = args[1:]
	}
	if len(args) < 2 {
		return "", nil, false
	}
	return path.Base(args[1]), args[2:], true
}

// beforeDashDash returns the options of args: what comes before "--".
func beforeDashDash(args []string) []string {
	for i, a := range args {
		if a == "--" {
			return args[:i]
		}
	}
	return args
}

// shortFlag reports whether a single-dash cluster (-avn) holds letter x
// before any letter in withArg (whose value ends the cluster).
func shortFlag(a string, x byte, withArg string) bool {
	if len(a) < 2 || a[0] != '-' || a[1] == '-' {
		return false
	}
	for i := 1; i < len(a); i++ {
		if a[i] == x {
			return true
		}
		if strings.IndexByte(withArg, a[i]) >= 0 {
			return false
		}
	}
	return false
}

// dryRunFlag reports whether opts hold a --dry-run (or the named
// spelling) that is not turned off: --dry-run, --dry-run=client|server|true.
func dryRunFlag(opts []string, names ...string) bool {
	on := false
	for _, a := range opts {
		for _, n := range names {
			switch {
			case a == n:
				on = true
			case strings.HasPrefix(a, n+"="):
				v := strings.ToLower(a[len(n)+1:])
				on = v == "client" || v == "server" || v == "true" || v == "1" || v == "all"
			case a == "--no-"+strings.TrimPrefix(n, "--"):
				on = false
			}
		}
	}
	return on
}

// dryRun reports whether a command is told by its own options only to show
// what it would do.
func dryRun(name string, args []string) bool {
	opts := beforeDashDash(args)
	sub := firstOperand(opts)
	switch name {
	case "kubectl", "oc":
		return sub == "diff" || dryRunFlag(opts, "--dry-run")
	case "helm":
		return sub == "template" || sub == "diff" || sub == "lint" || dryRunFlag(opts, "--dry-run")
	case "terraform", "tofu", "terragrunt":
		return sub == "plan" || sub == "validate" || sub == "show"
	case "pulumi":
		return sub == "preview"
	case "cdk":
		return sub == "diff" || sub == "synth"
	case "make", "gmake":
		for _, a := range opts {
			if a == "--just-print" || a == "--dry-run" || a == "--recon" || shortFlag(a, 'n', "CfIjloWE") {
				return true
			}
		}
	case "rsync":
		dry := false
		for i, a := range opts {
			switch {
			case a == "--dry-run" || shortFlag(a, 'n', "eBTfM"):
				dry = true
			case a == "-e" || a == "--rsh" || a == "--rsync-path":
				if i+1 >= len(opts) || firstWord(opts[i+1]) != "ssh" {
					return false
				}
			case strings.HasPrefix(a, "--rsh=") || strings.HasPrefix(a, "--rsync-path="):
				_, v, _ := strings.Cut(a, "=")
				if firstWord(v) != "ssh" {
					return false
				}
			}
		}
		return dry
	case "npm", "pnpm", "yarn", "cargo", "poetry", "uv", "twine", "gem", "dotnet":
		if !strings.Contains(strings.Join(opts, " "), "publish") && !strings.Contains(strings.Join(opts, " "), "push") {
			return false
		}
		for _, a := range opts {
			if a == "--dry-run" || a == "--dry-run=true" || (name == "cargo" && a == "-n") {
				return true
			}
		}
	case "aws":
		return dryRunFlag(opts, "--dryrun", "--dry-run")
	case "ansible", "ansible-playbook":
		for _, a := range opts {
			if a == "--check" || a == "-C" {
				return true
			}
		}
	case "docker", "podman":
		return len(opts) > 1 && opts[0] == "compose" && firstOperand(opts[1:]) == "config"
	case "docker-compose":
		return sub == "config"
	}
	return false
}

func firstWord(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return path.Base(f[0])
}

// firstOperand returns the first argument that is not an option. Options
// with values (--context x) are not told apart: their value comes first
// only when the option is written before the subcommand, which kubeEnv
// reads separately.
func firstOperand(args []string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			return a
		}
		if kubeValueFlags[a] || a == "-chdir" {
			i++
		}
	}
	return ""
}

var kubeTools = map[string]bool{"kubectl": true, "oc": true, "helm": true, "argocd": true, "flux": true, "kubectx": true, "skaffold": true, "helmfile": true,
	"ansible": true, "ansible-playbook": true, "terraform": true, "tofu": true, "terragrunt": true, "pulumi": true, "cdk": true}

// kubeValueFlags are options whose value is the next argument.
var kubeValueFlags = map[string]bool{"--context": true, "--kube-context": true, "--cluster": true, "-n": true, "--namespace": true,
	"--kubeconfig": true, "-i": true, "--inventory": true, "-l": true, "--limit": true, "-s": true, "--stack": true, "-f": true, "--values": true,
	"-e": true, "--environment": true, "--server": true, "--user": true}

// kubeEnv is the environment a cluster or infrastructure command acts on:
// its context (or the one switched to earlier on the line), and the
// environment its other arguments name (namespace, inventory, stack,
// values files, releases).
func kubeEnv(name string, args []string, switched string) string {
	ctx := switched
	opts := beforeDashDash(args)
	for i, a := range opts {
		switch {
		case (a == "--context" || a == "--kube-context") && i+1 < len(opts):
			ctx = opts[i+1]
		case strings.HasPrefix(a, "--context="):
			ctx = a[len("--context="):]
		case strings.HasPrefix(a, "--kube-context="):
			ctx = a[len("--kube-context="):]
		}
	}
	if name == "kubectl" && len(opts) > 2 && opts[0] == "config" && opts[1] == "use-context" {
		return nameEnv(opts[2])
	}
	if nameEnv(ctx) == envLocal {
		return envLocal
	}
	env := nameEnv(ctx)
	for _, a := range opts {
		if strings.HasPrefix(a, "--replicas") || strings.HasPrefix(a, "-o") {
			continue
		}
		if _, v, ok := strings.Cut(a, "="); ok && strings.HasPrefix(a, "-") {
			a = v
		}
		if e := nameEnv(a); e == envProduction || e == envStaging {
			env = maxEnv(env, e)
		}
	}
	return env
}

// switchedContext returns the context a command switches to for the rest
// of the line (kubectl config use-context x, kubectx x), or "".
func switchedContext(name string, args []string) string {
	switch {
	case (name == "kubectl" || name == "oc") && len(args) > 2 && args[0] == "config" && args[1] == "use-context":
		return args[2]
	case name == "kubectx" && len(args) == 1 && !strings.HasPrefix(args[0], "-"):
		return args[0]
	}
	return ""
}

// argsEnv is the environment other commands' options name: --env
// production, -e production (rails), --settings=app.settings.prod,
// --environment staging, --stage prod.
func argsEnv(name string, args []string) string {
	env := ""
	scan := beforeDashDash(args)
	if len(args) > 0 && (args[0] == "exec" || args[0] == "run" || args[0] == "x") {
		scan = args // stack exec -- tool --env production: the tool's options count
	}
	for i, a := range scan {
		flag, val, eq := strings.Cut(a, "=")
		if !eq && i+1 < len(args) {
			val = args[i+1]
		}
		switch flag {
		case "--env", "--environment", "--settings", "--stage", "-E", "--configuration":
		case "-e":
			if name != "rails" && name != "rake" && name != "bin/rails" {
				continue
			}
		default:
			continue
		}
		env = maxEnv(env, nameEnv(val))
	}
	if name == "php" || name == "artisan" {
		// Laravel refuses destructive commands in production unless
		// --force is given: the flag says where it runs.
		for _, a := range args {
			if a == "--force" {
				env = maxEnv(env, envProduction)
			}
		}
	}
	return env
}

// frameworkReset reports a framework task that drops or wipes the
// application's database.
func frameworkReset(name string, args []string) bool {
	switch name {
	case "rails", "rake", "bin/rails", "python", "python3", "manage.py", "django-admin", "php", "artisan", "npx", "pnpx", "bunx", "prisma",
		"pnpm", "yarn", "dotnet", "goose", "mix", "alembic", "flyway", "liquibase", "sequelize", "typeorm", "knex":
	default:
		return false
	}
	words := strings.Join(args, " ")
	has := func(ws ...string) bool {
		for _, w := range ws {
			for _, a := range args {
				if a == w {
					return true
				}
			}
		}
		return false
	}
	switch name {
	case "rails", "rake", "bin/rails":
		return has("db:drop", "db:reset", "db:schema:load", "db:purge", "db:truncate_all", "db:migrate:reset", "db:drop:all", "db:setup")
	case "python", "python3", "manage.py", "django-admin":
		return has("flush", "reset_db", "sqlflush") && (strings.Contains(words, "manage.py") || name == "manage.py" || name == "django-admin")
	case "php", "artisan":
		return has("migrate:fresh", "migrate:reset", "migrate:refresh", "db:wipe")
	case "npx", "pnpx", "bunx", "prisma", "pnpm", "yarn":
		return strings.Contains(words, "migrate reset") || strings.Contains(words, "db push") && has("--force-reset", "--accept-data-loss") ||
			has("db:drop", "schema:drop") && strings.Contains(words, "sequelize") || has("schema:drop")
	case "dotnet":
		return strings.Contains(words, "ef database drop")
	case "goose":
		return has("reset") || has("down-to") && has("0")
	case "mix":
		return has("ecto.drop", "ecto.reset")
	case "alembic":
		return has("downgrade") && has("base")
	case "flyway":
		return has("clean")
	case "liquibase":
		return has("dropAll", "drop-all")
	case "sequelize", "typeorm":
		return has("db:drop", "schema:drop")
	case "knex":
		return has("migrate:rollback") && has("--all")
	}
	return false
}

// migrateTargetEnv is the environment of the database a migration tool's
// options point it at: a connection URL (flyway -url=jdbc:postgresql://h/db,
// goose postgres "postgres://h/db", dbmate --url, --database-url) or a
// host option (-h, --host). "" when no option names a target.
func migrateTargetEnv(args []string) string {
	env, seen := "", false
	raise := func(e string) {
		if !seen {
			env, seen = e, true
			return
		}
		env = maxEnv(env, e)
	}
	for i, a := range beforeDashDash(args) {
		val := a
		if k, v, eq := strings.Cut(a, "="); eq && strings.HasPrefix(k, "-") {
			val = v
		}
		switch {
		case strings.Contains(val, "://"):
			u := strings.TrimPrefix(val, "jdbc:")
			db := ""
			if k := strings.Index(u, "://"); k >= 0 {
				rest := u[k+3:]
				if s := strings.IndexByte(rest, '/'); s >= 0 {
					db = strings.SplitN(strings.SplitN(rest[s+1:], "?", 2)[0], ";", 2)[0]
				}
			}
			raise(hostEnv(hostOf(u), db))
		case strings.Contains(val, "host=") && strings.Contains(val, " "):
			h, db := "", ""
			for _, kv := range strings.Fields(val) {
				if k, v, ok := strings.Cut(kv, "="); ok {
					switch k {
					case "host":
						h = v
					case "dbname":
						db = v
					}
				}
			}
			raise(hostEnv(h, db))
		case (a == "-h" || a == "--host") && i+1 < len(args):
			raise(hostEnv(args[i+1], ""))
		}
	}
	if env == envLocal {
		return "" // a migration on this machine keeps the development default
	}
	return env
}
