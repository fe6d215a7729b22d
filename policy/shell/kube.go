package shell

import "strings"

// kubectlOpts are kubectl's (and oc's) options that take a value, global
// and of the subcommands that matter here.
var kubectlOpts = optTable{value: "nosclLfkp", longValue: []string{
	"--namespace", "--context", "--cluster", "--user", "--kubeconfig", "--server", "--token", "--as", "--as-group",
	"--output", "--template", "--selector", "--field-selector", "--sort-by", "--label-columns", "--filename",
	"--container", "--request-timeout", "--certificate-authority", "--client-certificate", "--client-key",
	"--chunk-size", "--subresource", "--kustomize", "--raw", "--cache-dir", "--tls-server-name", "--pod-running-timeout",
	"--keys", "--to", "--confirm",
}}

// kubectl records the generic facts of a kubectl or oc command (its
// path-like operands, `-f secrets.yaml`, are read) and the Kubernetes
// secrets whose values it prints: `get` of kind secret in any spelling
// (secret, secrets, Secret, secret/NAME, secrets.v1, a list such as
// all,secrets) with an output that shows data (yaml, json, jsonpath,
// go-template, custom-columns, --template); `oc extract`; the view-secret
// plugin; and `exec … -- cmd` reading the pod's mounted service-account
// secrets or a process environment. `describe` shows only the sizes of the
// values, `-o name` and the table only names: those print none.
func kubectl(f *factBuilder, ws []word) {
	f.generic(ws)
	var ops []string
	output, template := "", ""
	var after []string // the command of exec, after "--"
	for i := 1; i < len(ws); i++ {
		v := ws[i].val
		if v == "--" {
			for _, w := range ws[i+1:] {
				after = append(after, w.val)
			}
			break
		}
		if len(v) < 2 || v[0] != '-' || !ws[i].static {
			ops = append(ops, v)
			continue
		}
		name, val, has := strings.Cut(v, "=")
		if v[1] == '-' {
			if !has && contains(kubectlOpts.longValue, name) && i+1 < len(ws) {
				i++
				val = ws[i].val
			}
			switch name {
			case "--output":
				output = val
			case "--template":
				template = val
			}
			continue
		}
		// A short cluster: -oyaml, -o yaml, -o=yaml, -n ns, -A.
		for j := 1; j < len(v); j++ {
			c := v[j]
			if strings.IndexByte(kubectlOpts.value, c) < 0 {
				continue
			}
			val := strings.TrimPrefix(v[j+1:], "=")
			if v[j+1:] == "" && i+1 < len(ws) {
				i++
				val = ws[i].val
			}
			if c == 'o' {
				output = val
			}
			break
		}
	}
	if len(ops) == 0 {
		return
	}
	sub := ops[0]
	kind := "kubernetes secret"
	if f.c.Name == "oc" {
		kind = "openshift secret"
	}
	switch sub {
	case "get":
		if !revealingOutput(output, template) {
			return
		}
		for _, op := range ops[1:] {
			for _, k := range strings.Split(op, ",") {
				res, name, _ := strings.Cut(k, "/")
				if secretKind(res) {
					f.c.SecretReads = append(f.c.SecretReads, strings.TrimSpace(kind+" "+name))
				}
			}
		}
	case "extract":
		for _, op := range ops[1:] {
			if res, name, _ := strings.Cut(op, "/"); secretKind(res) {
				f.c.SecretReads = append(f.c.SecretReads, kind+" "+name)
			}
		}
	case "view-secret":
		if len(ops) > 1 {
			f.c.SecretReads = append(f.c.SecretReads, kind+" "+ops[1])
		}
	case "exec":
		for _, a := range after {
			if strings.Contains(a, "/run/secrets/") || strings.HasSuffix(a, "/run/secrets") || strings.Contains(a, "/environ") {
				f.c.SecretReads = append(f.c.SecretReads, "the pod's "+a)
				break
			}
		}
	}
}

// secretKind reports whether a kubectl resource word names Secrets:
// secret, secrets, Secret, secrets.v1, secret.v1. (a core group).
func secretKind(res string) bool {
	res = strings.ToLower(strings.TrimSpace(res))
	if i := strings.IndexByte(res, '.'); i >= 0 {
		rest := res[i+1:]
		res = res[:i]
		if rest != "v1" && rest != "v1." && rest != "" {
			return false // secrets.something.io is another API's kind
		}
	}
	return res == "secret" || res == "secrets"
}

// revealingOutput reports whether a kubectl get output shows the objects'
// data: every format but the table, wide and name; a template counts
// unless it reads metadata only.
func revealingOutput(output, template string) bool {
	format, spec, _ := strings.Cut(output, "=")
	switch strings.ToLower(format) {
	case "", "wide", "name":
		if template == "" {
			return false
		}
		spec = template
	}
	if spec != "" && strings.Contains(spec, "metadata") && !strings.Contains(strings.ReplaceAll(spec, "metadata", ""), "data") &&
		!strings.Contains(spec, "{.}") && !strings.Contains(spec, "{{.}}") && !strings.Contains(spec, "{@}") {
		return false
	}
	return true
}

// viewSecret is the view-secret plugin run by its own name.
func viewSecret(f *factBuilder, ws []word) {
	for _, w := range ws[1:] {
		if !strings.HasPrefix(w.val, "-") {
			f.c.SecretReads = append(f.c.SecretReads, "kubernetes secret "+w.val)
			return
		}
	}
}

// kubeShaped returns the kubectl command line inside the words of a tool
// the table does not know, when it is one: a wrapper of kubectl (k3s
// kubectl, microk8s kubectl, kubecolor, an alias k defined elsewhere)
// that gets or extracts Secrets. ok is false for anything else.
func kubeShaped(ws []word) (kube []word, ok bool) {
	for i := 1; i < len(ws) && i < 4; i++ {
		switch v := ws[i].val; {
		case v == "kubectl" || v == "oc":
			return ws[i:], true
		case strings.HasPrefix(v, "-"):
			continue
		case v == "get" || v == "extract":
			for _, w := range ws[i+1:] {
				for _, k := range strings.Split(w.val, ",") {
					if res, _, _ := strings.Cut(k, "/"); secretKind(res) {
						return ws, true
					}
				}
			}
			return nil, false
		default:
			return nil, false
		}
	}
	return nil, false
}
