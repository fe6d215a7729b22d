package shell

import (
	"cmp"
	"strings"
)

// Commands that run another command somewhere else: ssh HOST CMD…,
// kubectl/oc exec POD -- CMD…, docker/podman exec CTR CMD…, gcloud compute
// ssh VM --command CMD, ansible HOSTS -m shell -a CMD. The carrier is
// reported as itself; the command it runs is analysed as a command of the
// line (a shell line for ssh, gcloud and ansible, which hand a string to a
// shell there; the words themselves for exec, which runs them directly),
// with Command.Remote naming the place. Its paths are paths there, and the
// carrier's own facts no longer count the remote command's words as local
// files.

// remoteCarrier reports whether name may run a command elsewhere.
func remoteCarrier(name string) bool {
	switch name {
	case "ssh", "sshpass", "kubectl", "oc", "docker", "podman", "gcloud", "ansible",
		"docker-compose", "podman-compose", "pssh", "parallel-ssh", "salt", "salt-ssh", "fab", "aws", "az",
		"vagrant", "multipass", "lxc", "incus", "limactl", "lima", "mosh", "tsh", "rsync", "pdsh", "clush", "knife":
		return true
	}
	return false
}

// remote analyses a carrier; false when ws does not run a remote command
// (kubectl get, docker ps…), which resolve then handles as usual.
func (a *analyzer) remote(name string, ws []word, via []string, redirs []Redirect, sc scope) bool {
	if !a.deeper(sc) {
		return false
	}
	switch name {
	case "sshpass":
		// sshpass [-p pw|-f file|-d fd|-e|-P prompt|-v] ssh …: a wrapper.
		i := 1
		for i < len(ws) && strings.HasPrefix(ws[i].val, "-") && ws[i].static {
			v := ws[i].val
			i++
			if (v == "-p" || v == "-f" || v == "-d" || v == "-P") && i < len(ws) {
				i++
			}
		}
		if i >= len(ws) {
			return false
		}
		inner := sc
		inner.depth++
		a.resolve(ws[i:], appendVia(via, "sshpass"), redirs, inner)
		return true
	case "ssh":
		return a.sshRemote(ws, via, redirs, sc)
	case "kubectl", "oc":
		return a.kubeExec(name, ws, via, redirs, sc)
	case "docker", "podman":
		return a.dockerExec(name, ws, via, redirs, sc)
	case "gcloud":
		return a.gcloudSSH(ws, via, redirs, sc)
	case "ansible":
		return a.ansibleShell(ws, via, redirs, sc)
	case "docker-compose", "podman-compose":
		return a.composeExec(name, "", ws, 1, via, redirs, sc)
	default:
		return a.moreCarriers(name, ws, via, redirs, sc)
	}
}

// carrier reports the carrier itself without the remote words as local
// files, then runs the remote part: script (a shell line there) when
// words is nil, else words run directly.
func (a *analyzer) carrier(name string, ws []word, from int, place string, script *word, via []string, redirs []Redirect, sc scope) {
	n := len(a.cmds)
	a.emit(ws, via, redirs, sc, "", false)
	remoteWords := map[string]bool{}
	for _, w := range ws[from:] {
		remoteWords[w.val] = true
		for _, f := range strings.Fields(w.val) {
			remoteWords[f] = true
		}
	}
	if n < len(a.cmds) {
		c := &a.cmds[n]
		c.Reads = dropWords(c.Reads, remoteWords)
		c.Writes = dropWords(c.Writes, remoteWords)
		c.Deletes = dropWords(c.Deletes, remoteWords)
		c.Runs = dropWords(c.Runs, remoteWords)
		c.Loads = dropWords(c.Loads, remoteWords)
	}
	if name == "ssh" {
		a.optionCommands(name, ws[:from], via, redirs, sc)
	}
	inner := sc
	inner.remote = place
	inner.redirs = nil // the carrier's redirections are this machine's
	v := appendVia(via, name)
	if script != nil {
		if !script.static {
			a.cmds[n].Opaque = OpaqueDynamicScript
			return
		}
		if !a.nested(script.val, v, nil, inner, sc.stdin, false) {
			a.cmds[n].Opaque = OpaqueInvalidScript
		}
		return
	}
	if from >= len(ws) {
		return
	}
	inner.depth++
	words := append([]word(nil), ws[from:]...)
	a.resolve(words, v, nil, inner)
}

func dropWords(list []string, drop map[string]bool) []string {
	out := list[:0:0]
	for _, p := range list {
		if !drop[p] {
			out = append(out, p)
		}
	}
	if len(out) == len(list) {
		return list
	}
	return out
}

// sshRemote: ssh [opts] HOST [--] CMD…: the words are joined with spaces
// and run by the remote user's shell; with no command and an input fed,
// the remote shell reads its script from that input.
func (a *analyzer) sshRemote(ws []word, via []string, redirs []Redirect, sc scope) bool {
	i := sshOptions(ws, 1)
	if i >= len(ws) || ws[i].val == "--" && i+1 >= len(ws) {
		return false
	}
	if ws[i].val == "--" {
		i++
	}
	host := ws[i].val
	// OpenSSH reads options after the host too (ssh host -N -L …).
	from := sshOptions(ws, i+1)
	if from < len(ws) && ws[from].val == "--" {
		from++
	}
	place := "ssh:" + host
	if from >= len(ws) {
		if !sc.stdin.fed {
			return false
		}
		sh := word{val: "sh", static: true}
		a.carrier("ssh", ws, from, place, &sh, via, redirs, sc)
		return true
	}
	parts := make([]string, 0, len(ws)-from)
	static := true
	for _, w := range ws[from:] {
		parts = append(parts, w.val)
		static = static && w.static
	}
	script := word{val: strings.Join(parts, " "), static: static}
	a.carrier("ssh", ws, from, place, &script, via, redirs, sc)
	return true
}

// kubeExec: kubectl [global opts] exec [-it] [-c C] [-n NS] POD [--] CMD….
func (a *analyzer) kubeExec(name string, ws []word, via []string, redirs []Redirect, sc scope) bool {
	var ctx []string
	i := 1
	sub := -1
	for i < len(ws) {
		v := ws[i].val
		if v == "--" {
			return false
		}
		if strings.HasPrefix(v, "-") {
			ctx = append(ctx, v)
			i++
			if kubeTakesValue(v) && i < len(ws) {
				ctx = append(ctx, ws[i].val)
				i++
			}
			continue
		}
		if v == "cp" {
			// kubectl cp POD:PATH LOCAL reads PATH in the pod (the source:
			// the first operand; a pod path as the destination is a write there).
			for j := i + 1; j < len(ws); j++ {
				w := ws[j]
				if strings.HasPrefix(w.val, "-") {
					if kubeTakesValue(w.val) {
						j++
					}
					continue
				}
				pod, p, ok := strings.Cut(w.val, ":")
				if !ok {
					break
				}
				if w.static && pod != "" && strings.HasPrefix(p, "/") {
					a.carrier(name, ws, len(ws), name+":"+strings.TrimSpace(strings.Join(ctx, " ")+" "+pod), &word{val: "cat " + shellQuote(p), static: true}, via, redirs, sc)
					return true
				}
			}
			return false
		}
		// oc rsh POD [CMD…] is exec (with a shell when no command is given).
		if v != "exec" && v != "debug" && v != "run" && !(v == "rsh" && name == "oc") {
			return false
		}
		sub = i
		break
	}
	if sub < 0 {
		return false
	}
	if v := ws[sub].val; v != "exec" && v != "rsh" {
		// kubectl debug TARGET … -- CMD, kubectl run NAME --image=… [--command] -- CMD:
		// the words after -- run in the new container.
		pod, from := "", -1
		for j := sub + 1; j < len(ws); j++ {
			w := ws[j].val
			if w == "--" {
				from = j + 1
				break
			}
			if strings.HasPrefix(w, "-") {
				if kubeTakesValue(w) && j+1 < len(ws) {
					ctx = append(ctx, w, ws[j+1].val)
					j++
				}
				continue
			}
			if pod == "" {
				pod = w
			}
		}
		if from < 0 || from >= len(ws) {
			return false
		}
		place := name + ":" + strings.TrimSpace(strings.Join(ctx, " ")+" "+v+" "+pod)
		a.carrier(name, ws, from, place, nil, via, redirs, sc)
		return true
	}
	pod := ""
	from := -1
	for i = sub + 1; i < len(ws); i++ {
		v := ws[i].val
		if v == "--" {
			from = i + 1
			break
		}
		if strings.HasPrefix(v, "-") && len(v) > 1 {
			ctx = append(ctx, v)
			if kubeTakesValue(v) && i+1 < len(ws) {
				i++
				ctx = append(ctx, ws[i].val)
			}
			continue
		}
		if pod == "" {
			pod = v
			continue
		}
		from = i // kubectl exec POD CMD: the old form
		break
	}
	if pod == "" || from < 0 || from >= len(ws) {
		return false
	}
	place := name + ":" + strings.TrimSpace(strings.Join(ctx, " ")+" "+pod)
	a.carrier(name, ws, from, place, nil, via, redirs, sc)
	return true
}

func kubeTakesValue(v string) bool {
	if strings.Contains(v, "=") {
		return false
	}
	switch v {
	case "-c", "-n", "-f", "-s", "-l", "--container", "--namespace", "--context", "--cluster", "--user", "--kubeconfig",
		"--server", "--token", "--as", "--as-group", "--filename", "--pod-running-timeout", "--request-timeout", "--selector",
		"--image", "--restart", "--env", "--port", "--labels", "--overrides", "--target", "--profile", "--copy-to", "--image-pull-policy", "--serviceaccount":
		return true
	}
	return false
}

// dockerExec: docker [-H host|--context c] exec [opts] CTR CMD….
func (a *analyzer) dockerExec(name string, ws []word, via []string, redirs []Redirect, sc scope) bool {
	host := ""
	i := 1
	for i < len(ws) && strings.HasPrefix(ws[i].val, "-") {
		v := ws[i].val
		i++
		k, val, has := strings.Cut(v, "=")
		switch k {
		case "-H", "--host", "--context", "-c", "--config", "-l", "--log-level", "--tlscacert", "--tlscert", "--tlskey":
			if !has && i < len(ws) {
				val = ws[i].val
				i++
			}
			if k == "-H" || k == "--host" || k == "--context" || k == "-c" {
				host = val
			}
		}
	}
	if i < len(ws) && ws[i].val == "compose" {
		return a.composeExec(name, host, ws, i+1, via, redirs, sc)
	}
	if i >= len(ws) || ws[i].val != "exec" {
		return false
	}
	i++
	for i < len(ws) && strings.HasPrefix(ws[i].val, "-") {
		v := ws[i].val
		i++
		if strings.Contains(v, "=") {
			continue
		}
		switch v {
		case "-u", "--user", "-w", "--workdir", "-e", "--env", "--env-file", "--detach-keys":
			i++
		}
	}
	if i+1 >= len(ws) {
		return false
	}
	place := name + ":" + ws[i].val
	if host != "" && !localDockerHost(host) {
		place = "docker-host:" + host + " " + ws[i].val
	}
	a.carrier(name, ws, i+1, place, nil, via, redirs, sc)
	return true
}

func localDockerHost(h string) bool {
	return strings.HasPrefix(h, "unix://") || h == "default" || h == "desktop-linux" || h == "colima" ||
		strings.Contains(h, "://localhost") || strings.Contains(h, "://127.0.0.1")
}

// gcloudSSH: gcloud compute ssh VM … --command CMD.
func (a *analyzer) gcloudSSH(ws []word, via []string, redirs []Redirect, sc scope) bool {
	if len(ws) < 4 || ws[1].val != "compute" || ws[2].val != "ssh" {
		return false
	}
	vm := ""
	var cmd *word
	from := len(ws)
	for i := 3; i < len(ws); i++ {
		v := ws[i].val
		if v == "--" {
			// gcloud compute ssh VM -- [ssh options] CMD…: ssh's own words.
			if j := sshOptions(ws, i+1); cmd == nil && j < len(ws) {
				w, ok := joinWords(ws[j:])
				cmd, from = &w, j
				_ = ok
			}
			break
		}
		if k, val, has := strings.Cut(v, "="); has && k == "--command" {
			w := ws[i]
			w.val = val
			cmd, from = &w, i
			continue
		}
		if v == "--command" && i+1 < len(ws) {
			w := ws[i+1]
			cmd, from = &w, i+1
			i++
			continue
		}
		if strings.HasPrefix(v, "-") {
			if !strings.Contains(v, "=") && !gcloudFlag(v) {
				i++
			}
			continue
		}
		if vm == "" {
			vm = v
		}
	}
	if cmd == nil {
		return false
	}
	a.carrier("gcloud", ws, from, "gcloud:"+vm, cmd, via, redirs, sc)
	return true
}

func gcloudFlag(v string) bool {
	switch v {
	case "--tunnel-through-iap", "--internal-ip", "--dry-run", "--quiet", "-q", "--plain", "--verbosity-debug", "--no-user-output-enabled":
		return true
	}
	return false
}

// ansibleShell: ansible HOSTS [-m shell|command|raw] -a CMD (command is the default module).
func (a *analyzer) ansibleShell(ws []word, via []string, redirs []Redirect, sc scope) bool {
	hosts, mod := "", "command"
	var args *word
	from := len(ws)
	for i := 1; i < len(ws); i++ {
		v := ws[i].val
		k, val, has := strings.Cut(v, "=")
		switch {
		case (k == "-m" || k == "--module-name") && (has || i+1 < len(ws)):
			if !has {
				i++
				val = ws[i].val
			}
			mod = val
		case (k == "-a" || k == "--args") && (has || i+1 < len(ws)):
			w := ws[i]
			if !has {
				i++
				w = ws[i]
			} else {
				w.val = val
			}
			args, from = &w, i
		case strings.HasPrefix(v, "-"):
			switch v {
			case "-i", "--inventory", "-u", "--user", "-e", "--extra-vars", "-f", "--forks", "-l", "--limit", "-c", "--connection",
				"-T", "--timeout", "--become-user", "--become-method", "-B", "-P", "--private-key", "--vault-password-file":
				i++
			}
		default:
			if hosts == "" {
				hosts = v
			}
		}
	}
	mod = strings.TrimPrefix(mod, "ansible.builtin.")
	if args != nil && args.static {
		// Modules whose effect is a command's: file state=absent deletes
		// its path, fetch and slurp read their src there.
		kv := map[string]string{}
		for _, f := range strings.Fields(args.val) {
			if k, v, ok := strings.Cut(f, "="); ok {
				kv[k] = strings.Trim(v, `"'`)
			}
		}
		var line string
		switch p := cmp.Or(kv["path"], kv["dest"], kv["name"]); {
		case mod == "file" && kv["state"] == "absent" && p != "":
			line = "rm -rf " + shellQuote(p)
		case (mod == "fetch" || mod == "slurp") && kv["src"] != "":
			line = "cat " + shellQuote(kv["src"])
		}
		if line != "" {
			a.carrier("ansible", ws, from, "ansible:"+hosts, &word{val: line, static: true}, via, redirs, sc)
			return true
		}
	}
	if args == nil || (mod != "shell" && mod != "command" && mod != "raw") {
		return false
	}
	a.carrier("ansible", ws, from, "ansible:"+hosts, args, via, redirs, sc)
	return true
}

// netRedirect records descriptors opened on /dev/tcp or /dev/udp and makes
// standard input network input when it is read from one (sh <&3,
// sh < /dev/tcp/h/p).
func (a *analyzer) netRedirect(r Redirect, sc *scope) {
	net := strings.HasPrefix(r.Path, "/dev/tcp/") || strings.HasPrefix(r.Path, "/dev/udp/")
	if net {
		fd := r.Fd
		if fd == "" {
			fd = "1"
			if r.Op == "<" || r.Op == "<>" {
				fd = "0"
			}
		}
		if a.netFDs == nil {
			a.netFDs = map[string]bool{}
		}
		a.netFDs[fd] = true
		if fd == "0" {
			sc.stdin = input{fed: true, pipe: true, net: true}
		}
		return
	}
	if r.Op == "<&" && (r.Fd == "" || r.Fd == "0") && a.netFDs[r.Path] {
		sc.stdin = input{fed: true, pipe: true, net: true}
	}
}

// xargsPaths gives xargs's command the paths: appended, or in place of
// the {} (or -I's) placeholder words.
func xargsPaths(ws []word, paths []string, replace, static bool) []word {
	out := make([]word, 0, len(ws)+len(paths))
	if replace {
		for _, w := range ws {
			if w.val == "{}" || w.val == "%" {
				for _, p := range paths {
					out = append(out, word{val: p, static: static})
				}
				continue
			}
			if strings.Contains(w.val, "{}") && w.static {
				// -F f=@{}: the input is put inside the word.
				for _, p := range paths {
					out = append(out, word{val: strings.ReplaceAll(w.val, "{}", p), static: static})
				}
				continue
			}
			out = append(out, w)
		}
		return out
	}
	out = append(out, ws...)
	for _, p := range paths {
		out = append(out, word{val: p, static: static})
	}
	return out
}

// sshOptions skips ssh's options from i, stopping at "--" (not skipped),
// the first operand or a dynamic word.
func sshOptions(ws []word, i int) int {
	for i < len(ws) && ws[i].static && strings.HasPrefix(ws[i].val, "-") && ws[i].val != "-" && ws[i].val != "--" {
		v := ws[i].val
		i++
		for j := 1; j < len(v); j++ {
			if strings.IndexByte(sshTool.opts.value, v[j]) >= 0 {
				if j == len(v)-1 {
					i++
				}
				break
			}
		}
	}
	return min(i, len(ws))
}
