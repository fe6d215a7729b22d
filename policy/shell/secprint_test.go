package shell

import (
	"path"
	"reflect"
	"strings"
	"testing"
)

// TestContentReads: programs that print, encode or pack a file read it,
// whichever form names the file.
func TestContentReads(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		reads []string
	}{
		{"git show HEAD:.env", []string{".env"}},
		{"git show HEAD~2:config/.env.prod", []string{"config/.env.prod"}},
		{"git show :0:.env", []string{".env"}},
		{"git show HEAD", nil},
		{"git show HEAD -- .env", []string{".env"}},
		{"git -C sub show main:.env", []string{"sub/.env"}},
		{"git cat-file -p HEAD:.env", []string{".env"}},
		{"git cat-file -t HEAD:.env", nil},
		{"git diff --no-index /dev/null .env", []string{".env"}},
		{"git diff HEAD~1 -- .env", []string{".env"}},
		{"git diff --stat -- .env", nil},
		{"git diff main..feature", nil},
		{"git log -p -- .env", []string{".env"}},
		{"git log --patch .env", []string{".env"}},
		{"git log -- .env", nil},
		{"git log -n 5 --oneline", nil},
		{"git blame .env", []string{".env"}},
		{"git grep -n key -- .env", []string{".env"}},
		{"git archive HEAD .env", []string{".env"}},
		{"git archive -o out.tar HEAD", nil},
		{"python3 -m base64 ~/.ssh/id_rsa", []string{"~/.ssh/id_rsa"}},
		{"node dump.js .env", []string{"dump.js", ".env"}},
		{"kubectl apply -f k8s/secrets.yaml", []string{"k8s/secrets.yaml"}},
	}
	for _, tt := range tests {
		an, err := Analyze(tt.in, Options{})
		if err != nil {
			t.Fatalf("%q: %v", tt.in, err)
		}
		if got := an.Commands[0].Reads; !reflect.DeepEqual(got, tt.reads) {
			t.Errorf("%q: reads %q, want %q", tt.in, got, tt.reads)
		}
	}
}

// TestSecretReads: kubectl and oc commands that print a Secret's values,
// in every argument order and spelling, and the near misses that print
// names or sizes only.
func TestSecretReads(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		secret bool
	}{
		{"kubectl get secret app -o yaml", true},
		{"kubectl -n prod get -o json secret db", true},
		{"kubectl get -o yaml secrets/app", true},
		{"kubectl get secret/app --output=yaml", true},
		{"kubectl get secret/app --output yaml", true},
		{"kubectl get secret app -oyaml", true},
		{"kubectl get secret app -o=jsonpath={.data.password}", true},
		{"kubectl get secrets -A -o go-template='{{range .items}}{{.data}}{{end}}'", true},
		{"kubectl get all,secrets -o yaml", true},
		{"kubectl get Secrets.v1 -o json", true},
		{"kubectl get secret app --template={{.data.token}}", true},
		{"kubectl get secret app -o custom-columns=P:.data.password", true},
		{"oc get secret app -o yaml", true},
		{"oc extract secret/app --to=-", true},
		{"kubectl view-secret app", true},
		{"kubectl-view_secret app key", true},
		{"kubectl exec -it web-0 -- cat /var/run/secrets/kubernetes.io/serviceaccount/token", true},
		{"kubectl exec web-0 -- sh -c 'cat /proc/1/environ'", true},
		{"kubectl describe secret app", false},
		{"kubectl get secrets", false},
		{"kubectl get secret app -o name", false},
		{"kubectl get secrets -o wide", false},
		{"kubectl get secret app -o jsonpath={.metadata.name}", false},
		{"kubectl get configmap app -o yaml", false},
		{"kubectl get all -o yaml", false},
		{"kubectl get sealedsecrets.bitnami.com -o yaml", false},
		{"kubectl exec web-0 -- ls /app", false},
	}
	for _, tt := range tests {
		an, err := Analyze(tt.in, Options{})
		if err != nil {
			t.Fatalf("%q: %v", tt.in, err)
		}
		if got := len(an.Commands[0].SecretReads) > 0; got != tt.secret {
			t.Errorf("%q: secret reads %q, want secret=%v", tt.in, an.Commands[0].SecretReads, tt.secret)
		}
	}
}

// FuzzSecretPrinters checks the kubectl and git parsers on arbitrary
// arguments: a secret is reported only for a kubectl or oc line that names
// secrets, run-time secrets or an environment, and every file a git
// command is said to print is written in one of its arguments.
func FuzzSecretPrinters(f *testing.F) {
	for _, s := range []string{
		"get secret app -o yaml", "-n x get -o json secret db", "get -oyaml secrets/app", "get all,secrets -o=json",
		"get secret --template", "exec p -- cat /var/run/secrets/x", "view-secret", "get -o", "-o", "get secret/",
		"show HEAD:.env", "show :0:", "cat-file -p :", "diff --no-index a b", "log -p -- .env", "blame", "archive -o",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, args string) {
		for _, name := range []string{"kubectl", "oc", "git"} {
			line := name + " " + args
			an, err := Analyze(line, Options{})
			if err != nil || len(an.Commands) == 0 {
				continue
			}
			c := an.Commands[0]
			if c.Name != name {
				continue
			}
			low := strings.ToLower(line)
			if len(c.SecretReads) > 0 && (name == "git" || !strings.Contains(low, "secret") && !strings.Contains(low, "environ")) {
				t.Errorf("%q: secret reads %q", line, c.SecretReads)
			}
			if name != "git" {
				continue
			}
			for _, r := range c.Reads {
				found := false
				for _, a := range c.Args {
					if strings.Contains(a, r) || strings.Contains(a, path.Base(r)) { // git -C dir joins dir
						found = true
					}
				}
				for _, rd := range c.Redirects {
					if rd.Path == r {
						found = true
					}
				}
				if !found {
					t.Errorf("%q: read %q is in no argument %q", line, r, c.Args)
				}
			}
		}
	})
}
