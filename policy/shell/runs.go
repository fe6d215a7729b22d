package shell

import (
	"path"
	"strings"
)

// What a command runs as code, by tool: the table behind Command.Runs (see
// dataflow.go). Build, test and task tools read files that are programs
// although nothing on the line looks like one: make reads the Makefile,
// npm the scripts of package.json, pip install . runs setup.py, pytest
// imports every conftest.py, direnv evaluates .envrc, docker build runs the
// Dockerfile's RUN lines. Entries are relative to the directory the tool
// works in (-C, --prefix, -chdir= and the like move it); a trailing "/" is a
// directory whose contents run, a glob in the last segment (after "/**/"
// for any depth) what the tool looks for.

// jsRuns are the files a JavaScript package manager, runner or tool loads
// as code: the manifest's scripts, its rc files and the *.config.* modules
// of the tools its scripts start.
var jsRuns = []string{"package.json", ".npmrc", ".yarnrc", ".yarnrc.yml", ".pnpmfile.cjs", "node_modules/",
	"*.config.js", "*.config.cjs", "*.config.mjs", "*.config.ts", "*.config.mts", "*.config.cts",
	".*rc.js", ".*rc.cjs", ".*rc.mjs", "gulpfile.js", "Gruntfile.js", "jest.setup.*", "setupTests.*", "**/setupTests.*"}

var (
	pythonProjectRuns = []string{"setup.py", "setup.cfg", "pyproject.toml"}
	pytestRuns        = []string{"**/conftest.py", "pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini", "**/test_*.py", "**/*_test.py"}
	makeRuns          = []string{"Makefile", "makefile", "GNUmakefile", "*.mk"}
	goRuns            = []string{"*.go", "go.mod", "go.work"}
	cargoRuns         = []string{"Cargo.toml", "build.rs", ".cargo/"}
	justRuns          = []string{"justfile", "Justfile", ".justfile"}
	taskRuns          = []string{"Taskfile.yml", "Taskfile.yaml", "taskfile.yml", "taskfile.yaml", "Taskfile.dist.yml", "Taskfile.dist.yaml"}
	cmakeRuns         = []string{"CMakeLists.txt", "*.cmake"}
	terraformRuns     = []string{"*.tf", "*.tf.json", "*.hcl", ".terraformrc"}
)

// projectTools maps a tool to the files it runs in its directory. nil
// values have their own case in toolRuns.
var projectTools = map[string][]string{
	"rake": {"Rakefile", "rakefile", "Rakefile.rb", "rakelib/"}, "bundle": {"Gemfile", ".bundle/"}, "bundler": {"Gemfile", ".bundle/"},
	"composer": {"composer.json"}, "tox": {"tox.ini", "setup.py", "pyproject.toml"}, "nox": {"noxfile.py"},
	"poetry": pythonProjectRuns, "pdm": pythonProjectRuns, "hatch": pythonProjectRuns, "pipenv": {"Pipfile", "setup.py", "pyproject.toml"},
	"meson": {"meson.build", "meson_options.txt"}, "bazel": {"BUILD", "BUILD.bazel", "WORKSPACE", "WORKSPACE.bazel", "MODULE.bazel", ".bazelrc", "*.bzl"},
	"bazelisk": {"BUILD", "BUILD.bazel", "WORKSPACE", "WORKSPACE.bazel", "MODULE.bazel", ".bazelrc", "*.bzl"},
	"gradle":   {"build.gradle", "build.gradle.kts", "settings.gradle", "settings.gradle.kts", "gradle/"},
	"gradlew":  {"build.gradle", "build.gradle.kts", "settings.gradle", "settings.gradle.kts", "gradle/", "gradle.properties"},
	"mvn":      {"pom.xml", ".mvn/"}, "mvnw": {"pom.xml", ".mvn/"}, "sbt": {"build.sbt", "project/"}, "ant": {"build.xml"},
	"vagrant": {"Vagrantfile"}, "lefthook": {"lefthook.yml", "lefthook.yaml"},
	"mix": {"mix.exs", "config/", "lib/", ".formatter.exs"}, "zig": {"build.zig", "build.zig.zon"}, "tilt": {"Tiltfile"},
	"stack": {"stack.yaml", "package.yaml", "*.cabal", "Setup.hs"}, "cabal": {"*.cabal", "cabal.project", "Setup.hs"},
	"dune": {"dune", "dune-project"}, "opam": {"*.opam"}, "rebar3": {"rebar.config"}, "gleam": {"gleam.toml"},
	"swift": {"Package.swift"}, "dart": {"pubspec.yaml", "build.yaml"}, "flutter": {"pubspec.yaml", "build.yaml"},
	"earthly": {"Earthfile"}, "skaffold": {"skaffold.yaml"}, "devbox": {"devbox.json"}, "pants": {"BUILD", "pants.toml"},
	"buck2": {"BUCK", "TARGETS", ".buckconfig"}, "xmake": {"xmake.lua"}, "premake5": {"premake5.lua"},
	"scons": {"SConstruct", "SConscript"}, "invoke": {"tasks.py"}, "inv": {"tasks.py"}, "fab": {"fabfile.py"},
	"doit": {"dodo.py"}, "lein": {"project.clj"}, "clojure": {"deps.edn"}, "clj": {"deps.edn"}, "bb": {"bb.edn"},
	"mage": {"magefile.go", "magefiles/"}, "sbt-client": {"build.sbt", "project/"}, "mill": {"build.sc", "build.mill"},
	"helmfile": {"helmfile.yaml", "helmfile.yaml.gotmpl"}, "garden": {"garden.yml", "project.garden.yml"},
	"nimble": {"*.nimble", "config.nims"}, "v": {"v.mod"}, "crystal": {"shard.yml"}, "shards": {"shard.yml"},
	"conan": {"conanfile.py", "conanfile.txt"}, "vcpkg": {"vcpkg.json"}, "pixi": {"pixi.toml"},
	"nix-shell": {"shell.nix", "default.nix"}, "nix-build": {"default.nix"}, "nix": {"flake.nix", "default.nix", "shell.nix"},
	"deno": nil, "uv": nil, "pip": nil, "pip3": nil, "pytest": pytestRuns, "py.test": pytestRuns,
	"make": nil, "gmake": nil, "bmake": nil, "just": nil, "task": nil, "cmake": nil, "ninja": nil, "go": nil, "cargo": nil,
	"direnv": nil, "pre-commit": nil, "docker": nil, "podman": nil, "docker-compose": nil, "podman-compose": nil,
	"terraform": nil, "tofu": nil, "terragrunt": nil, "ansible-playbook": nil, "ts-node": nil, "tsx": nil,
	"npm": nil, "pnpm": nil, "yarn": nil, "bun": nil, "npx": nil, "pnpx": nil, "bunx": nil,
}

// jsTools are JavaScript tools that load their *.config.* modules.
var jsTools = map[string]bool{
	"jest": true, "vitest": true, "webpack": true, "webpack-cli": true, "vite": true, "rollup": true, "eslint": true,
	"prettier": true, "next": true, "nuxt": true, "nuxi": true, "mocha": true, "playwright": true, "cypress": true,
	"karma": true, "gulp": true, "grunt": true, "babel": true, "tailwindcss": true, "postcss": true, "astro": true,
	"turbo": true, "nx": true, "lerna": true, "svelte-kit": true, "remix": true, "storybook": true, "ng": true,
	"vue-cli-service": true, "react-scripts": true, "parcel": true, "ava": true, "tap": true, "c8": true, "nyc": true,
}

// bunSubcommand reports a word bun takes as one of its package-manager or
// runner subcommands rather than as a script to run.
func bunSubcommand(s string) bool {
	switch s {
	case "install", "i", "add", "a", "remove", "rm", "update", "run", "test", "x", "build", "pm", "link", "unlink",
		"create", "c", "init", "outdated", "publish", "patch", "exec", "audit", "info", "why", "ci":
		return true
	}
	return false
}

// npmQuiet are package-manager subcommands that run none of the project's code.
var npmQuiet = map[string]bool{
	"view": true, "info": true, "show": true, "ls": true, "list": true, "outdated": true, "search": true, "whoami": true,
	"help": true, "config": true, "ping": true, "root": true, "bin": true, "prefix": true, "docs": true, "repo": true,
	"home": true, "bugs": true, "owner": true, "token": true, "login": true, "logout": true, "adduser": true,
	"why": true, "explain": true, "audit": true, "cache": true, "-v": true, "--version": true, "-h": true, "--help": true,
}

// toolRuns lists what c runs as code besides what its environment names.
func toolRuns(c *Command, ws []word) []string {
	var out []string
	if c.Path != "" {
		out = append(out, c.Path)
	}
	name := c.Name
	switch {
	case isShell(name):
		if s := shellScript(ws); s != "" {
			out = append(out, s)
		}
		return out
	case name == "bun" && bunSubcommand(firstOperand(ws[1:])):
		// bun install, bun run build, bun test: the package manager and
		// task runner, not a script (see the npm case below).
	case interpreter(name) != nil:
		return append(out, interpRuns(name, ws)...)
	case name == "source" || name == ".":
		if len(ws) > 1 {
			out = append(out, ws[1].val)
		}
		return out
	case jsTools[name]:
		return add(out, inDir("", jsRuns))
	case name == "awk" || name == "gawk" || name == "mawk" || name == "nawk" || name == "sed" || name == "gsed":
		// awk's system() and sed's e command run shell commands.
		for i := 1; i+1 < len(ws); i++ {
			if ws[i].val == "-f" || ws[i].val == "--file" {
				out = append(out, ws[i+1].val)
			}
		}
		return out
	case name == "vim" || name == "nvim" || name == "vi" || name == "view" || name == "ex":
		for i := 1; i+1 < len(ws); i++ {
			if ws[i].val == "-S" || ws[i].val == "-u" {
				out = append(out, ws[i+1].val)
			}
		}
		return out
	case name == "pwsh" || name == "powershell":
		if f := flagValue(ws[1:], "-File", "-f"); f != "" {
			return append(out, f)
		}
		if s := firstOperand(ws[1:]); strings.HasSuffix(strings.ToLower(s), ".ps1") {
			out = append(out, s)
		}
		return out
	}
	if name == "git" {
		// The hooks of the repository (and husky's) run on these.
		switch firstOperand(ws[1:]) {
		case "commit", "push", "merge", "rebase", "checkout", "switch", "am", "pull", "cherry-pick", "revert":
			return append(out, ".git/hooks/", ".husky/")
		}
		return out
	}
	if !readOnlyTools[name] {
		// A tool given a process substitution that fetches from the
		// network as a file (ansible-playbook <(curl -s URL)) reads the
		// fetched text where it expects its program or configuration.
		for _, w := range ws[1:] {
			if !w.static && strings.HasPrefix(w.val, "<(") && strings.Contains(w.val, "://") {
				out = append(out, w.val)
			}
		}
	}
	files, known := projectTools[name]
	if !known {
		return out
	}
	if files != nil {
		return add(out, inDir(optDir(ws, "-C", "--directory", "--cwd", "--project-dir"), files))
	}
	args := ws[1:]
	sub := firstOperand(args)
	switch name {
	case "make", "gmake", "bmake":
		dir := optDir(ws, "-C", "--directory")
		if f := flagValue(args, "-f", "--file"); f != "" {
			return append(out, joinDir(dir, f))
		}
		return add(out, inDir(dir, makeRuns))
	case "just":
		if f := flagValue(args, "-f", "--justfile"); f != "" {
			return append(out, f)
		}
		return add(out, inDir(optDir(ws, "-d", "--working-directory"), justRuns))
	case "task":
		if f := flagValue(args, "-t", "--taskfile"); f != "" {
			return append(out, f)
		}
		return add(out, inDir(optDir(ws, "-d", "--dir"), taskRuns))
	case "cmake":
		if f := flagValue(args, "-P", ""); f != "" {
			return append(out, f)
		}
		if d := flagValue(args, "--build", ""); d != "" {
			return append(out, d+"/")
		}
		dir := flagValue(args, "-S", "")
		if ops := operandsOf(args, cmakeValue); dir == "" && len(ops) > 0 {
			dir = ops[0]
		}
		return add(out, inDir(dir, cmakeRuns))
	case "ninja":
		dir := optDir(ws, "-C", "")
		if f := flagValue(args, "-f", ""); f != "" {
			return append(out, joinDir(dir, f))
		}
		return append(out, joinDir(dir, "build.ninja"))
	case "go":
		switch sub {
		case "build", "run", "test", "generate", "vet", "install":
		default:
			return out
		}
		deep := false
		for _, w := range args {
			switch v := w.val; {
			case strings.HasSuffix(v, ".go"):
				out = append(out, v)
			case v == "./..." || strings.HasSuffix(v, "/..."):
				deep = true
			}
		}
		out = add(out, inDir(optDir(ws, "-C", ""), goRuns))
		if deep {
			out = append(out, "**/*.go")
		}
		return out
	case "cargo":
		switch sub {
		case "build", "b", "run", "r", "test", "t", "check", "c", "bench", "clippy", "doc", "install":
		default:
			return out
		}
		dir := ""
		if m := flagValue(args, "--manifest-path", ""); m != "" {
			dir = path.Dir(m)
		}
		if p := flagValue(args, "--path", ""); p != "" && sub == "install" {
			dir = p
		} else if sub == "install" {
			return out // a crate from a registry or git: see the install rules
		}
		return add(out, inDir(dir, cargoRuns))
	case "direnv":
		switch sub {
		case "allow", "permit", "grant", "exec", "reload":
		default:
			return out
		}
		if d := secondOperand(args); d != "" && sub != "exec" {
			if strings.HasSuffix(d, ".envrc") {
				return append(out, d)
			}
			return append(out, joinDir(d, ".envrc"))
		}
		return append(out, ".envrc", ".env")
	case "pre-commit":
		if f := flagValue(args, "-c", "--config"); f != "" {
			return append(out, f)
		}
		return append(out, ".pre-commit-config.yaml", ".pre-commit-hooks.yaml")
	case "docker", "podman":
		switch {
		case sub == "build" || sub == "buildx" && secondOperand(args) == "build" || sub == "image" && secondOperand(args) == "build":
			ctx := "."
			if ops := operandsOf(args, dockerBuildValue); len(ops) > 0 {
				ctx = ops[len(ops)-1]
			}
			if f := flagValue(args, "-f", "--file"); f != "" {
				return append(out, f, ctx+"/")
			}
			return append(out, joinDir(ctx, "Dockerfile"), joinDir(ctx, "*.Dockerfile"), joinDir(ctx, "Containerfile"))
		case sub == "compose":
			return append(out, composeRuns(args)...)
		}
		return out
	case "docker-compose", "podman-compose":
		return append(out, composeRuns(args)...)
	case "terraform", "tofu", "terragrunt":
		dir := ""
		for _, w := range args {
			if d, ok := strings.CutPrefix(w.val, "-chdir="); ok {
				dir = d
			}
		}
		return add(out, inDir(dir, terraformRuns))
	case "ansible-playbook":
		for _, w := range args {
			if strings.HasSuffix(w.val, ".yml") || strings.HasSuffix(w.val, ".yaml") {
				out = append(out, w.val)
			}
		}
		return out
	case "ts-node", "tsx":
		if sub != "" {
			out = append(out, sub)
		}
		return out
	case "deno":
		if sub == "run" || sub == "test" || sub == "bench" {
			if s := secondOperand(args); s != "" {
				out = append(out, s)
			}
		}
		return append(out, "deno.json", "deno.jsonc")
	case "pip", "pip3":
		return append(out, pipRuns(args)...)
	case "uv":
		switch sub {
		case "pip":
			return append(out, pipRuns(args[1:])...)
		case "run":
			if s := secondOperand(args); strings.HasSuffix(s, ".py") {
				out = append(out, s)
			}
			return add(out, pythonProjectRuns)
		case "sync", "build", "install":
			return add(out, pythonProjectRuns)
		}
		return out
	case "npm", "pnpm", "yarn", "bun", "npx", "pnpx", "bunx":
		if npmQuiet[sub] {
			return out
		}
		for _, w := range args {
			// npx tsx ./x.ts, npx ts-node x.js: a script operand.
			if v := w.val; !strings.HasPrefix(v, "-") && (modulePath(v) || strings.HasSuffix(v, ".sh") || strings.HasSuffix(v, ".py")) && !strings.HasPrefix(v, "$") {
				out = append(out, v)
			}
		}
		if (name == "bun" && sub != "" && strings.ContainsAny(sub, "./")) || (name == "bun" && sub == "run" && strings.ContainsAny(secondOperand(args), "./")) {
			s := sub
			if sub == "run" {
				s = secondOperand(args)
			}
			out = append(out, s)
		}
		return add(out, inDir(optDir(ws, "--prefix", "-C", "--cwd", "--dir"), jsRuns))
	}
	return out
}

var cmakeValue = optTable{value: "BSGCTAUP", longValue: []string{"--build", "--install", "--preset", "--target", "--config", "--toolchain", "--install-prefix", "--graphviz", "--log-level"}}

var dockerBuildValue = optTable{value: "fto", longValue: []string{"--file", "--tag", "--build-arg", "--target", "--platform",
	"--label", "--cache-from", "--cache-to", "--secret", "--ssh", "--network", "--output", "--iidfile", "--progress", "--builder", "--add-host"}}

// composeRuns are the compose files a compose command reads (its services
// run with the mounts and privileges they ask for).
func composeRuns(args []word) []string {
	var out []string
	for i, w := range args {
		if (w.val == "-f" || w.val == "--file") && i+1 < len(args) {
			out = append(out, args[i+1].val)
		} else if f, ok := strings.CutPrefix(w.val, "--file="); ok {
			out = append(out, f)
		}
	}
	if len(out) > 0 {
		return out
	}
	return []string{"compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml", "docker-compose.override.yml"}
}

// pipRuns: pip install of a local project, archive or requirements file
// runs what they hold.
func pipRuns(args []word) []string {
	if firstOperand(args) != "install" && firstOperand(args) != "wheel" {
		return nil
	}
	var out []string
	for i := 0; i < len(args); i++ {
		v := args[i].val
		switch {
		case (v == "-r" || v == "--requirement" || v == "-e" || v == "--editable") && i+1 < len(args):
			p := args[i+1].val
			i++
			if v == "-r" || v == "--requirement" {
				out = append(out, p)
			} else if localPath(p) {
				out = add(out, inDir(p, pythonProjectRuns))
			}
		case strings.HasPrefix(v, "--requirement="):
			out = append(out, strings.TrimPrefix(v, "--requirement="))
		case strings.HasPrefix(v, "-r") && len(v) > 2:
			out = append(out, v[2:])
		case strings.HasPrefix(v, "-"):
		case strings.HasSuffix(v, ".whl") || strings.HasSuffix(v, ".tar.gz") || strings.HasSuffix(v, ".zip") || strings.HasSuffix(v, ".tgz"):
			if !strings.Contains(v, "://") {
				out = append(out, v)
			}
		case localPath(v):
			out = add(out, inDir(v, pythonProjectRuns))
		}
	}
	return out
}

// localPath reports whether a package operand is a directory path rather
// than a package name.
func localPath(s string) bool {
	return s == "." || s == ".." || strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../") || strings.HasPrefix(s, "/") ||
		strings.HasPrefix(s, "~/") || strings.HasSuffix(s, "/")
}

// add appends list to out; with out empty it returns list itself, capped so
// that appending to it copies (the tables are shared).
func add(out, list []string) []string {
	if len(out) == 0 {
		return list[:len(list):len(list)]
	}
	return append(out, list...)
}

// inDir joins each name to dir ("" = the working directory); without a
// directory it returns names itself.
func inDir(dir string, names []string) []string {
	if dir == "" || dir == "." {
		return names
	}
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = n
		if dir != "" && dir != "." {
			slash := strings.HasSuffix(n, "/")
			out[i] = path.Join(dir, n)
			if slash {
				out[i] += "/"
			}
		}
	}
	return out
}

// optDir returns the value of the first of the directory options given.
func optDir(ws []word, opts ...string) string {
	for i := 1; i < len(ws); i++ {
		v := ws[i].val
		for _, o := range opts {
			if o == "" {
				continue
			}
			if v == o && i+1 < len(ws) {
				return ws[i+1].val
			}
			if strings.HasPrefix(o, "--") && strings.HasPrefix(v, o+"=") {
				return v[len(o)+1:]
			}
		}
	}
	return ""
}

// firstOperand is the first word that is not an option.
func firstOperand(args []word) string {
	for _, w := range args {
		if !strings.HasPrefix(w.val, "-") {
			return w.val
		}
	}
	return ""
}

// secondOperand is the word after the first operand, if not an option.
func secondOperand(args []word) string {
	seen := false
	for _, w := range args {
		if strings.HasPrefix(w.val, "-") {
			continue
		}
		if seen {
			return w.val
		}
		seen = true
	}
	return ""
}

// operandsOf lists the operands of args under t's options.
func operandsOf(args []word, t optTable) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		v := args[i].val
		if len(v) > 1 && v[0] == '-' {
			if v[1] == '-' {
				if !strings.Contains(v, "=") && contains(t.longValue, v) {
					i++
				}
			} else if strings.IndexByte(t.value, v[len(v)-1]) >= 0 {
				i++
			}
			continue
		}
		out = append(out, v)
	}
	return out
}

// shellScript is the script file a shell runs, "" for -c, -s or none.
func shellScript(ws []word) string {
	for i := 1; i < len(ws); i++ {
		v := ws[i].val
		switch {
		case !ws[i].static:
			return v
		case v == "--" || v == "-":
			if v == "--" && i+1 < len(ws) {
				return ws[i+1].val
			}
			return ""
		case v == "--rcfile" || v == "--init-file":
			i++
		case strings.HasPrefix(v, "--"):
		case len(v) >= 2 && (v[0] == '-' || v[0] == '+'):
			if v[0] == '-' && strings.ContainsAny(v, "cs") {
				return ""
			}
			if strings.ContainsAny(v[1:], "oO") {
				i++
			}
		default:
			return v
		}
	}
	return ""
}

// interpRuns is what an interpreter runs: its script, the modules it is
// told to load first (node -r, ruby -r), a python -m module (from the
// working directory first), and for python -m pip / pytest what those run.
func interpRuns(name string, ws []word) []string {
	t := interpreter(name)
	var out []string
	for i := 1; i < len(ws); i++ {
		w := ws[i]
		v := w.val
		switch {
		case !w.static || len(v) < 2 || v[0] != '-':
			if v == "-" {
				return out
			}
			return append(out, v)
		case v == "--":
			if i+1 < len(ws) {
				out = append(out, ws[i+1].val)
			}
			return out
		case v[1] == '-':
			name, val, has := strings.Cut(v, "=")
			if contains(t.longInline, name) {
				return out
			}
			if contains(t.longValue, name) {
				if !has && i+1 < len(ws) {
					i++
					val = ws[i].val
				}
				if name == "--require" || name == "--import" || name == "--loader" || name == "--experimental-loader" {
					if modulePath(val) {
						out = append(out, val)
					}
				}
			}
			continue
		}
		for j := 1; j < len(v); j++ {
			c := v[j]
			if strings.IndexByte(t.inline, c) >= 0 {
				return out
			}
			if strings.IndexByte(t.module, c) >= 0 {
				mod := v[j+1:]
				rest := ws[i+1:]
				if mod == "" && i+1 < len(ws) {
					mod, rest = ws[i+1].val, ws[i+2:]
				}
				switch mod {
				case "pip":
					return append(out, pipRuns(rest)...)
				case "pytest":
					return add(out, pytestRuns)
				}
				if mod != "" && !strings.ContainsAny(mod, "/$") {
					out = append(out, strings.ReplaceAll(mod, ".", "/")+".py", strings.ReplaceAll(mod, ".", "/")+"/")
				}
				return out
			}
			if strings.IndexByte(t.value, c) >= 0 || strings.IndexByte(t.rest, c) >= 0 {
				val := v[j+1:]
				if val == "" && strings.IndexByte(t.value, c) >= 0 && i+1 < len(ws) {
					i++
					val = ws[i].val
				}
				if c == 'r' && modulePath(val) {
					out = append(out, val) // node -r, ruby -r
				}
				break
			}
		}
	}
	return out
}

// modulePath reports whether a module to preload names a file rather than
// an installed package.
func modulePath(s string) bool {
	return strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../") || strings.HasPrefix(s, "/") || strings.HasPrefix(s, "~/") ||
		strings.HasPrefix(s, "$") || strings.HasSuffix(s, ".js") || strings.HasSuffix(s, ".mjs") || strings.HasSuffix(s, ".cjs") ||
		strings.HasSuffix(s, ".rb") || strings.HasSuffix(s, ".ts")
}

// manifests are the names of the files that build, task and test tools of
// any ecosystem load as code from the directory they run in: the table's
// entries and more.
var manifests = func() map[string]bool {
	m := map[string]bool{
		"Dockerfile": true, "Containerfile": true, "Jenkinsfile": true, "Procfile": true, "Brewfile": true,
		"Podfile": true, "Fastfile": true, "Dangerfile": true, "Guardfile": true, "Capfile": true, "Berksfile": true,
		"Snakefile": true, "Pulumi.yaml": true, "serverless.yml": true, "serverless.yaml": true, "wrangler.toml": true,
		"netlify.toml": true, "vercel.json": true, "fly.toml": true, "app.yaml": true, "cloudbuild.yaml": true,
		"Chart.yaml": true, "kustomization.yaml": true, "playbook.yml": true, "site.yml": true, "ansible.cfg": true,
		"DESCRIPTION": true, "Project.toml": true, "Manifest.toml": true, "deno.json": true, "deno.jsonc": true,
		"bunfig.toml": true, "tasks.json": true, ".envrc": true, ".tool-versions": true, ".mise.toml": true, "mise.toml": true,
		"noxfile.py": true, "setup.py": true, "conftest.py": true, "manage.py": true, "Rakefile": true, "Gemfile": true,
		"build.rs": true, "Cargo.toml": true, "go.mod": true, "package.json": true, "composer.json": true, "pom.xml": true,
	}
	for _, l := range [][]string{makeRuns, justRuns, taskRuns, cmakeRuns, pythonProjectRuns} {
		for _, n := range l {
			if !strings.ContainsAny(n, "*/") {
				m[n] = true
			}
		}
	}
	for _, l := range projectTools {
		for _, n := range l {
			if !strings.ContainsAny(n, "*/") {
				m[n] = true
			}
		}
	}
	return m
}()

// manifestName reports a file name that some tool loads as code: a name of
// manifests, or one with the suffixes such files carry (*.cabal, *.gradle,
// *.nimble, *.bzl, *.mk, *.cmake, *.tf).
func manifestName(n string) bool {
	if manifests[n] {
		return true
	}
	for _, suf := range []string{".cabal", ".gradle", ".gradle.kts", ".nimble", ".bzl", ".mk", ".cmake", ".tf", ".opam", ".gemspec", ".csproj", ".fsproj", ".vbproj", ".sln", ".props", ".targets"} {
		if strings.HasSuffix(n, suf) && len(n) > len(suf) {
			return true
		}
	}
	return false
}

// readOnlyTools only read, list, compare, hash, move or unpack files: run
// after a download they do not run it (curl -o Makefile URL && cat Makefile).
var readOnlyTools = map[string]bool{
	"cat": true, "less": true, "more": true, "head": true, "tail": true, "grep": true, "egrep": true, "fgrep": true, "rg": true,
	"ag": true, "jq": true, "yq": true, "sha256sum": true, "sha512sum": true, "sha1sum": true, "md5sum": true, "shasum": true,
	"b2sum": true, "cksum": true, "file": true, "ls": true, "wc": true, "diff": true, "cmp": true, "stat": true, "du": true,
	"sort": true, "uniq": true, "cut": true, "tr": true, "xxd": true, "od": true, "hexdump": true, "strings": true,
	"mv": true, "cp": true, "chmod": true, "chown": true, "mkdir": true, "rm": true, "touch": true, "ln": true, "echo": true,
	"printf": true, "test": true, "[": true, "true": true, "false": true, "cd": true, "pushd": true, "popd": true,
	"tar": true, "unzip": true, "gzip": true, "gunzip": true, "zcat": true, "xz": true, "bat": true, "git": true,
	"curl": true, "wget": true, "aria2c": true, "tee": true, "sed": true, "awk": true, "gpg": true, "cosign": true,
	"minisign": true, "signify": true, "code": true, "vim": true, "nvim": true, "nano": true, "emacs": true, "open": true,
	"xdg-open": true, "realpath": true, "readlink": true, "basename": true, "dirname": true, "find": true, "fd": true,
	"tree": true, "column": true, "nl": true, "tac": true, "rev": true, "fold": true, "fmt": true, "iconv": true,
	"dos2unix": true, "unix2dos": true, "base64": true, "sleep": true, "date": true, "pwd": true, "export": true,
}

// runnerUnknown reports a command name that the table of toolRuns does not
// know and that is not a known reader: it may load the manifests of the
// directory it runs in.
func runnerUnknown(name string) bool {
	if readOnlyTools[name] || isShell(name) || interpreter(name) != nil || jsTools[name] {
		return false
	}
	_, known := projectTools[name]
	return !known
}
