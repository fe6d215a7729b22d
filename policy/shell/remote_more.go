package shell

import (
	"encoding/json"
	"strings"
)

// More carriers (remote.go): compose services, local VMs and containers
// (multipass, lxc, incus, lima, vagrant), fleets (pssh, salt, fab), cloud
// run-command APIs (aws ssm send-command, az vm run-command invoke) and
// other ssh clients (mosh, tsh). Each hands its command to the carrier
// analysis with a place "kind:where"; rsync's --rsync-path runs a program
// on the remote.

// joinWords joins words as ssh does (a shell line there); static when all are.
func joinWords(ws []word) (word, bool) {
	parts := make([]string, 0, len(ws))
	static := true
	for _, w := range ws {
		parts = append(parts, w.val)
		static = static && w.static
	}
	return word{val: strings.Join(parts, " "), static: static}, static
}

// composeExec: docker compose [-f F|-p P|--profile X|--env-file F] exec [-T|-u U|-w W|-e E|--index N] SVC CMD….
func (a *analyzer) composeExec(name, host string, ws []word, i int, via []string, redirs []Redirect, sc scope) bool {
	for i < len(ws) && strings.HasPrefix(ws[i].val, "-") {
		v := ws[i].val
		i++
		switch v {
		case "-f", "--file", "-p", "--project-name", "--profile", "--env-file", "--project-directory", "--ansi", "--parallel", "--progress":
			i++
		}
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
		case "-u", "--user", "-w", "--workdir", "-e", "--env", "--index":
			i++
		}
	}
	if i+1 >= len(ws) {
		return false
	}
	place := "compose:" + ws[i].val
	if host != "" && !localDockerHost(host) {
		place = "docker-host:" + host + " " + ws[i].val
	}
	a.carrier(name, ws, i+1, place, nil, via, redirs, sc)
	return true
}

// afterDash returns the index after a "--" word from i, or -1.
func afterDash(ws []word, i int) int {
	for ; i < len(ws); i++ {
		if ws[i].val == "--" {
			return i + 1
		}
	}
	return -1
}

// skipOpts skips options from i (those in takes have a value) and
// returns the index of the first operand.
func skipOpts(ws []word, i int, takes ...string) int {
	for i < len(ws) && strings.HasPrefix(ws[i].val, "-") && ws[i].val != "--" {
		v := ws[i].val
		i++
		if !strings.Contains(v, "=") {
			for _, t := range takes {
				if v == t {
					i++
					break
				}
			}
		}
	}
	return i
}

// optValue returns the value of option k (k V or k=V) and its word index.
func optValue(ws []word, keys ...string) (word, int, bool) {
	for i := 1; i < len(ws); i++ {
		v := ws[i].val
		for _, k := range keys {
			if v == k && i+1 < len(ws) {
				return ws[i+1], i + 1, true
			}
			if rest, ok := strings.CutPrefix(v, k+"="); ok {
				w := ws[i]
				w.val = rest
				return w, i, true
			}
		}
	}
	return word{}, 0, false
}

func (a *analyzer) moreCarriers(name string, ws []word, via []string, redirs []Redirect, sc scope) bool {
	if len(ws) < 2 {
		return false
	}
	sub := ws[1].val
	switch name {
	case "multipass", "lxc", "incus":
		// multipass|lxc|incus exec NAME [--] CMD…: a local VM or container.
		if sub != "exec" {
			return false
		}
		t := skipOpts(ws, 2, "-d", "--working-directory", "--env", "--cwd", "--user", "--group", "--mode")
		if t >= len(ws) {
			return false
		}
		from := t + 1
		if d := afterDash(ws, t+1); d >= 0 {
			from = d
		}
		if from >= len(ws) {
			return false
		}
		a.carrier(name, ws, from, name+":"+ws[t].val, nil, via, redirs, sc)
		return true
	case "limactl", "lima":
		// limactl shell [--workdir D|--shell S] INSTANCE CMD…; lima CMD… runs in "default".
		t, inst := 1, "default"
		if name == "limactl" {
			if sub != "shell" {
				return false
			}
			t = skipOpts(ws, 2, "--workdir", "--shell")
			if t >= len(ws) {
				return false
			}
			inst = ws[t].val
			t++
		}
		if t < len(ws) && ws[t].val == "--" {
			t++
		}
		if t >= len(ws) {
			return false
		}
		a.carrier(name, ws, t, "lima:"+inst, nil, via, redirs, sc)
		return true
	case "vagrant":
		// vagrant ssh [NAME] -c|--command CMD: a shell line in the local VM.
		if sub != "ssh" {
			return false
		}
		cmd, at, ok := optValue(ws, "-c", "--command")
		if !ok {
			return false
		}
		vm := "default"
		if t := skipOpts(ws, 2, "-c", "--command"); t < len(ws) && t != at && ws[t].val != "--" {
			vm = ws[t].val
		}
		a.carrier(name, ws, at, "vagrant:"+vm, &cmd, via, redirs, sc)
		return true
	case "mosh", "tsh":
		// mosh [opts] [--] HOST [--] CMD…; tsh ssh [opts] HOST CMD…: a shell line there.
		i := 1
		if name == "tsh" {
			if sub != "ssh" {
				return false
			}
			i = 2
		}
		i = skipOpts(ws, i, "-p", "--port", "-l", "--login", "--proxy", "--cluster", "--user", "-L", "-i", "--ssh", "--server", "--predict")
		if i < len(ws) && ws[i].val == "--" {
			i++
		}
		if i >= len(ws) {
			return false
		}
		host := ws[i].val
		from := i + 1
		if from < len(ws) && ws[from].val == "--" {
			from++
		}
		if from >= len(ws) {
			return false
		}
		script, _ := joinWords(ws[from:])
		a.carrier(name, ws, from, name+":"+host, &script, via, redirs, sc)
		return true
	case "pssh", "parallel-ssh":
		// pssh -h FILE|-H HOST [opts] CMD…: a shell line on every host.
		hosts := "hosts"
		if w, _, ok := optValue(ws, "-H", "--host"); ok {
			hosts = w.val
		} else if w, _, ok := optValue(ws, "-h", "--hosts"); ok {
			hosts = w.val
		}
		i := skipOpts(ws, 1, "-h", "--hosts", "-H", "--host", "-l", "--user", "-p", "--par", "-o", "--outdir",
			"-e", "--errdir", "-t", "--timeout", "-O", "--option", "-x", "--extra-args", "-X", "--extra-arg")
		return a.onEveryHost(name, ws, i, hosts, via, redirs, sc)
	case "pdsh", "clush":
		// pdsh -w HOSTS [opts] CMD…, clush -w HOSTS|-g GROUP|-a [opts] CMD…:
		// a shell line on every host.
		hosts := "hosts"
		for _, o := range []string{"-w", "-g", "--group", "--nodes"} {
			if w, _, ok := optValue(ws, o, ""); ok {
				hosts = w.val
				break
			}
		}
		i := skipOpts(ws, 1, "-w", "-x", "-g", "-X", "-l", "-R", "-f", "-t", "-u", "-o", "--group", "--nodes",
			"--user", "--fanout", "--options", "--connect_timeout", "--command_timeout", "--exclude")
		return a.onEveryHost(name, ws, i, hosts, via, redirs, sc)
	case "knife":
		// knife ssh QUERY 'CMD' [opts]: a shell line on every node the query finds.
		if len(ws) < 4 || ws[1].val != "ssh" {
			return false
		}
		a.carrier(name, ws, 3, "pssh:"+ws[2].val, &ws[3], via, redirs, sc)
		return true
	case "salt", "salt-ssh":
		// salt TARGET cmd.run|cmd.shell|cmd.run_all|cmd.run_stdout 'CMD'.
		target := ""
		for i := 1; i+1 < len(ws); i++ {
			v := ws[i].val
			switch v {
			case "cmd.run", "cmd.shell", "cmd.run_all", "cmd.run_stdout", "cmd.run_stderr", "cmd.run_bg":
				cmd := ws[i+1]
				cmd.val = strings.TrimPrefix(cmd.val, "cmd=")
				a.carrier(name, ws, i, "salt:"+target, &cmd, via, redirs, sc)
				return true
			}
			if !strings.HasPrefix(v, "-") && target == "" {
				target = v
			}
		}
		return false
	case "fab":
		// fab -H HOSTS -- CMD…: a shell line on each host.
		d := afterDash(ws, 1)
		if d < 0 || d >= len(ws) {
			return false
		}
		hosts := "hosts"
		if w, _, ok := optValue(ws[:d], "-H", "--hosts"); ok {
			hosts = w.val
		}
		script, _ := joinWords(ws[d:])
		a.carrier(name, ws, d, "fab:"+hosts, &script, via, redirs, sc)
		return true
	case "aws":
		return a.ssmSend(ws, via, redirs, sc)
	case "az":
		return a.azRunCommand(ws, via, redirs, sc)
	case "rsync":
		return a.rsyncPath(ws, via, redirs, sc)
	}
	return false
}

// ssmSend: aws ssm send-command --document-name AWS-RunShellScript
// --parameters commands=[…] | '{"commands":[…]}' [--instance-ids …|--targets …].
func (a *analyzer) ssmSend(ws []word, via []string, redirs []Redirect, sc scope) bool {
	if len(ws) < 3 || ws[1].val != "ssm" || ws[2].val != "send-command" {
		return false
	}
	doc, _, ok := optValue(ws, "--document-name")
	if !ok || !strings.Contains(doc.val, "RunShellScript") {
		return false
	}
	params, at, ok := optValue(ws, "--parameters")
	if !ok {
		return false
	}
	where := "instances"
	if w, _, ok := optValue(ws, "--instance-ids"); ok {
		where = w.val
	} else if w, _, ok := optValue(ws, "--targets"); ok {
		where = w.val
	}
	script := word{val: params.val, static: params.static}
	if cmds, ok := ssmCommands(params.val); ok {
		script.val = strings.Join(cmds, "\n")
	} else {
		script.static = false // what runs is not known here
	}
	a.carrier("aws", ws, at, "ssm:"+where, &script, via, redirs, sc)
	return true
}

// ssmCommands reads the commands of --parameters: shorthand
// commands=["a","b"] or commands=a,b, or JSON {"commands":[…]}.
func ssmCommands(v string) ([]string, bool) {
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, "{") {
		var p struct {
			Commands []string `json:"commands"`
		}
		if json.Unmarshal([]byte(v), &p) != nil || len(p.Commands) == 0 {
			return nil, false
		}
		return p.Commands, true
	}
	rest, ok := strings.CutPrefix(v, "commands=")
	if !ok {
		return nil, false
	}
	if strings.HasPrefix(rest, "[") {
		var list []string
		if json.Unmarshal([]byte(rest), &list) == nil && len(list) > 0 {
			return list, true
		}
		rest = strings.TrimSuffix(strings.TrimPrefix(rest, "["), "]")
	}
	return strings.Split(rest, ","), rest != ""
}

// azRunCommand: az vm run-command invoke … --scripts S… (each word a line).
func (a *analyzer) azRunCommand(ws []word, via []string, redirs []Redirect, sc scope) bool {
	if len(ws) < 4 || ws[1].val != "vm" || ws[2].val != "run-command" || ws[3].val != "invoke" {
		return false
	}
	vm := "vm"
	if w, _, ok := optValue(ws, "-n", "--name"); ok {
		vm = w.val
	}
	for i := 4; i < len(ws); i++ {
		if ws[i].val != "--scripts" {
			continue
		}
		j := i + 1
		for j < len(ws) && !strings.HasPrefix(ws[j].val, "-") {
			j++
		}
		if j == i+1 {
			return false
		}
		script, _ := joinWords(ws[i+1 : j])
		parts := make([]string, 0, j-i-1)
		for _, w := range ws[i+1 : j] {
			parts = append(parts, w.val)
		}
		script.val = strings.Join(parts, "\n")
		a.carrier("az", ws, i+1, "azvm:"+vm, &script, via, redirs, sc)
		return true
	}
	return false
}

// rsyncPath: rsync --rsync-path=PROG … [host:]dest runs PROG on the remote
// (sudo rsync: as root), writing the remote destination.
func (a *analyzer) rsyncPath(ws []word, via []string, redirs []Redirect, sc scope) bool {
	prog, _, ok := optValue(ws, "--rsync-path")
	if !ok || !prog.static || !a.deeper(sc) {
		return false
	}
	last := ws[len(ws)-1].val
	host, path, remote := strings.Cut(last, ":")
	if !remote || host == "" || strings.Contains(host, "/") {
		return false
	}
	n := len(a.cmds)
	a.emit(ws, via, redirs, sc, "", false)
	if n >= len(a.cmds) {
		return true
	}
	inner := sc
	inner.remote = "ssh:" + host
	inner.redirs = nil
	inner.depth++
	var pw []word
	for _, f := range strings.Fields(prog.val) {
		pw = append(pw, word{val: f, static: true})
	}
	if len(pw) == 0 {
		return true
	}
	m := len(a.cmds)
	a.resolve(pw, appendVia(via, "rsync"), nil, inner)
	if path != "" {
		for k := m; k < len(a.cmds); k++ {
			if a.cmds[k].Name == "rsync" {
				a.cmds[k].Writes = append(a.cmds[k].Writes, path)
			}
		}
	}
	return true
}

// onEveryHost analyses the words from i (after an optional "--") as the
// shell line a parallel shell (pssh, pdsh, clush) runs on every host.
func (a *analyzer) onEveryHost(name string, ws []word, i int, hosts string, via []string, redirs []Redirect, sc scope) bool {
	if i < len(ws) && ws[i].val == "--" {
		i++
	}
	if i >= len(ws) {
		return false
	}
	script, _ := joinWords(ws[i:])
	a.carrier(name, ws, i, "pssh:"+hosts, &script, via, redirs, sc)
	return true
}
