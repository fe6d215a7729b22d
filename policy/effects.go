package policy

import (
	"fmt"
	"path"
	"regexp"
	"strings"
	"sync"

	"github.com/cavra-dev/cavra/decision"
	"github.com/cavra-dev/cavra/internal/netaddr"
)

// DefaultEffect is the commands.default value that decides a command no
// list names by what it does (see effectDefault) instead of by one outcome
// for every unknown name.
const DefaultEffect = "effect"

// effectDefault decides command i of the line, which no list matched and no
// rule spoke about, by its facts. A command whose every fact stays inside
// the project — it reads, writes and deletes there, contacts nothing but
// this machine and runs as the user — is allowed: it can do nothing the
// policy governs that the lists and rules would not have seen. Otherwise it
// asks, naming the effects: a delete or write outside the project (temporary
// directories excepted) or at a path known only at run time, a network
// target, root, or an argument that tells a tool to change or destroy
// something beyond the machine (deploy, publish, delete…). The rules decide
// the dangerous forms of these facts before the default is reached; the
// default is for what they do not name.
func (e *evaluation) effectDefault(i int) decision.Match {
	cf := &e.facts.Commands[i]
	effects := e.commandEffects(cf)
	text := cf.Text
	if len(effects) == 0 {
		return decision.Match{RuleID: "commands.default.effect.allow", Decision: decision.Allow, Severity: decision.Low, Pack: e.set.name, Subject: text,
			Reason: "No rule names this command and it only reads and writes inside the project: allowed by its effects."}
	}
	return decision.Match{RuleID: "commands.default.effect.require_approval", Decision: decision.RequireApproval, Severity: decision.Medium,
		Pack: e.set.name, Subject: text, ApproverGroup: GroupRepositoryOwners,
		Reason: fmt.Sprintf("No rule names %q and it %s; review required.", text, strings.Join(effects, ", "))}
}

// commandEffects lists what a command does beyond the project, in words.
func (e *evaluation) commandEffects(c *CommandFacts) []string {
	var out []string
	add := func(s string) {
		if len(out) < 4 {
			out = append(out, s)
		}
	}
	for _, p := range c.Deletes {
		switch {
		case unknownPath(p):
			add("deletes " + p + ", known only at run time")
		case outsideProject(p) && !tempPath(p):
			add("deletes " + p + " outside the project")
		case p == "" || p == "." || p == "*":
			add("deletes the whole project")
		}
	}
	for _, p := range c.Writes {
		switch {
		case unknownPath(p):
			add("writes " + p + ", known only at run time")
		case outsideProject(p) && !tempPath(p) && !devPath(p):
			add("writes " + p + " outside the project")
		}
	}
	for _, h := range c.Hosts {
		if !localHost(h) && !c.DryRun && !c.localTarget && !e.carries(c) {
			add("contacts " + h)
			break
		}
	}
	for _, v := range c.Via {
		if v == "sudo" || v == "doas" || v == "pkexec" || v == "su" || v == "run0" {
			add("runs as root")
			break
		}
	}
	for i, a := range c.Args {
		v := remoteVerb(a)
		if v == "" || c.DryRun || c.localTarget {
			continue
		}
		if v == "release" && (c.Name == "mix" || c.Name == "rebar3") {
			continue // builds a release on this machine (mix hex.publish publishes)
		}
		// A group named for a change, asked only to read: kubectl rollout
		// status, helm history, release list.
		if i+1 < len(c.Args) && readVerbAfter[c.Args[i+1]] {
			continue
		}
		// A build tool's plugin goal: mvn spotless:apply formats the
		// sources; deploy, release and publish goals keep their verb.
		if jvmBuildTools[path.Base(c.Name)] && strings.Contains(a, ":") && v != "deploy" && v != "release" && v != "publish" {
			continue
		}
		add("asks it to " + v)
		break
	}
	if c.Env == "production" && !c.DryRun && c.DB != "read" && c.Service != "read" && !readsOnly(c.Args) {
		// A tool not known to read only, run against production (stack
		// exec -- migrate --env production, fly ssh console -a api-prod).
		add("acts on production")
	} else {
		for _, a := range c.Args {
			if strings.HasPrefix(a, "aws://") || strings.HasPrefix(a, "gcp://") || strings.HasPrefix(a, "azure://") {
				add("acts on cloud account " + a)
				break
			}
		}
	}
	// A script named for what it does (deploy.sh, scripts/release):
	// the command itself, or the script a shell or interpreter runs.
	script := c.Name
	if interpreters[c.Name] {
		script = ""
		for _, a := range c.Args {
			if !strings.HasPrefix(a, "-") {
				script = a
				break
			}
		}
	}
	if script != "" {
		b := path.Base(script)
		if i := strings.IndexByte(b, '.'); i > 0 {
			b = b[:i]
		}
		if v := remoteVerb(b); v != "" {
			add("runs a script that would " + v)
		}
	}
	switch {
	case systemInstallers[c.Name] && len(c.Args) > 0 && installVerbs[c.Args[0]]:
		add("installs software for the whole system")
	case c.Name == "pkill" || c.Name == "killall":
		add("stops other programs")
	}
	return out
}

// readVerbAfter are subcommands that only read, after a group named for a
// change.
var readVerbAfter = map[string]bool{"status": true, "history": true, "list": true, "ls": true, "show": true, "get": true,
	"view": true, "describe": true, "logs": true, "diff": true, "plan": true, "--help": true, "help": true}

// jvmBuildTools run plugin goals named plugin:goal.
var jvmBuildTools = map[string]bool{"mvn": true, "mvnw": true, "gradle": true, "gradlew": true}

// interpreters run the script named by their first operand.
var interpreters = map[string]bool{"sh": true, "bash": true, "zsh": true, "dash": true, "ksh": true, "fish": true,
	"python": true, "python3": true, "node": true, "ruby": true, "perl": true, "php": true, "deno": true, "bun": true}

// systemInstallers are package managers of the system (not of the project).
var systemInstallers = map[string]bool{"brew": true, "apt": true, "apt-get": true, "dnf": true, "yum": true, "pacman": true,
	"apk": true, "zypper": true, "port": true, "snap": true, "flatpak": true, "choco": true, "winget": true, "scoop": true, "nix-env": true}

var installVerbs = map[string]bool{"install": true, "reinstall": true, "upgrade": true, "remove": true, "uninstall": true,
	"purge": true, "autoremove": true, "-S": true, "-R": true, "-Syu": true, "add": true, "del": true, "-i": true, "-e": true}

func unknownPath(p string) bool { return strings.HasPrefix(p, "$") || strings.Contains(p, "`") }

func outsideProject(p string) bool { return strings.HasPrefix(p, "/") || strings.HasPrefix(p, "~") }

func tempPath(p string) bool {
	for _, d := range []string{"/tmp/", "/var/tmp/", "/private/tmp/", "/dev/shm/"} {
		if strings.HasPrefix(p, d) && len(p) > len(d) {
			return true
		}
	}
	return false
}

func devPath(p string) bool {
	switch p {
	case "/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty":
		return true
	}
	return strings.HasPrefix(p, "/dev/fd/")
}

// localHost reports whether a host is this machine, in any spelling of a
// loopback address (127.1, 0x7f000001, [::1], localhost.).
func localHost(h string) bool {
	return h == "host.docker.internal" || netaddr.Classify(netaddr.ParseHost(h)).Has(netaddr.Loopback)
}

// remoteVerbs are the subcommand words by which command-line tools are told
// to change or destroy something outside the machine (cloud resources,
// registries, clusters, remote services). An unknown tool given one of
// them as a word of its own, or as the last part of a `noun:verb`,
// `verb-noun` or `noun-verb` word, is not routine.
var remoteVerbs = map[string]string{
	"delete": "delete", "destroy": "destroy", "remove": "remove", "purge": "purge", "terminate": "terminate",
	"drop": "drop", "wipe": "wipe", "erase": "erase", "nuke": "destroy", "teardown": "tear down",
	"deploy": "deploy", "publish": "publish", "release": "release", "apply": "apply", "upload": "upload",
	"rollback": "roll back", "upgrade": "upgrade", "rollout": "roll out", "promote": "promote", "undeploy": "undeploy", "decommission": "decommission",
	"deprovision": "deprovision", "revoke": "revoke", "unpublish": "unpublish", "yank": "yank", "push": "push",
}

// remoteVerb returns the verb a word names, or "".
func remoteVerb(a string) string {
	if i := strings.LastIndexByte(a, '/'); i > 0 && !strings.ContainsRune("./~$", rune(a[0])) && !strings.Contains(a, "://") && !strings.ContainsAny(a, "=@ ") &&
		!strings.Contains(a[i+1:], ".") {
		a = a[i+1:] // a build tool's module/task: mill Module/publishAll, sbt core/publish
	}
	if a == "" || a[0] == '-' || strings.ContainsAny(a, "/=@ ") {
		return ""
	}
	// A task named in camel case (publishReleaseBundle, sonatypeBundleRelease):
	// its first and last words.
	if words := camelWords(a[strings.LastIndexByte(a, ':')+1:]); len(words) > 1 {
		if words[len(words)-1] == "local" {
			return "" // publishLocal, publishToMavenLocal: this machine's repository
		}
		if v, ok := remoteVerbs[words[0]]; ok {
			return v
		}
		switch last := words[len(words)-1]; last {
		case "release", "publish", "deploy", "upload":
			return remoteVerbs[last]
		}
	}
	a = strings.ToLower(a)
	if i := strings.LastIndexByte(a, '.'); i > 0 {
		switch a[i:] {
		case ".yml", ".yaml", ".sh", ".bash", ".py", ".js", ".ts", ".rb", ".ps1", ".json":
			a = a[:i] // a workflow or script named for what it does: release.yml
		}
	}
	if v, ok := remoteVerbs[a]; ok {
		return v
	}
	if strings.Contains(a, ".") {
		return ""
	}
	for _, sep := range []string{":", "-", "_"} {
		parts := strings.Split(a, sep)
		if len(parts) < 2 {
			continue
		}
		if v, ok := remoteVerbs[parts[len(parts)-1]]; ok {
			return v
		}
		if v, ok := remoteVerbs[parts[0]]; ok {
			return v
		}
	}
	return ""
}

// readsOnly reports arguments that name a reading operation (status,
// history, get, logs…): kubectl --context=prod rollout status.
func readsOnly(args []string) bool {
	for _, a := range args {
		if readVerbAfter[a] || serviceReadVerbs[a] {
			return true
		}
	}
	return false
}

// carries reports whether c is a remote carrier (ssh HOST CMD) whose
// remote commands the line shows: they are judged where they run (the
// remote.* rules), so contacting the host is not an effect of its own.
func (e *evaluation) carries(c *CommandFacts) bool {
	for _, a := range c.Args {
		if carrierSends().MatchString(a) {
			return false // it sends more than the command: environment, agent, forwards
		}
	}
	for i := range e.facts.Commands {
		if r := e.facts.Commands[i].Remote; r != "" && strings.HasPrefix(r, c.Name+":") {
			return true
		}
	}
	return false
}

// camelWords splits publishReleaseBundle into publish, release, bundle.
func camelWords(s string) []string {
	var out []string
	start := 0
	for i := 1; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' && s[i-1] >= 'a' && s[i-1] <= 'z' {
			out = append(out, strings.ToLower(s[start:i]))
			start = i
		}
	}
	if start == 0 {
		return nil
	}
	return append(out, strings.ToLower(s[start:]))
}

// carrierSends are ssh options that make the connection carry more than
// the remote command: environment variables, the agent, port forwards, a
// local command.
var carrierSends = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)sendenv|setenv|forwardagent|forwardx11|remoteforward|localforward|dynamicforward|localcommand|proxycommand|tunnel|^-[a-z]*[ARLDWXYw]`)
})
