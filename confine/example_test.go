package confine_test

import (
	"fmt"

	"github.com/cavra-dev/cavra/confine"
	"github.com/cavra-dev/cavra/policy"
)

func ExampleFromPolicy() {
	lib, _ := policy.DefaultLibrary()
	set, _ := lib.Compile("cavra-ai-agent-baseline")
	p, err := confine.FromPolicy(set, confine.Options{
		Home:      "/home/dev",
		Project:   "/home/dev/app",
		Protected: []string{".cavra"},
		Writable:  []string{"/tmp"},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("read ~/.ssh/id_rsa:", !p.DeniesRead("/home/dev/.ssh/id_rsa"))
	fmt.Println("read main.go:", !p.DeniesRead("/home/dev/app/main.go"))
	fmt.Println("write ~/.bashrc:", !p.DeniesWrite("/home/dev/.bashrc"))
	fmt.Println("write .cavra/:", !p.DeniesWrite("/home/dev/app/.cavra/evidence.db"))
	fmt.Println("network:", p.Network.ConnectTCP, "denied", p.Network.DeniedRanges[0])
	// Output:
	// read ~/.ssh/id_rsa: false
	// read main.go: true
	// write ~/.bashrc: false
	// write .cavra/: false
	// network: [443] denied 169.254.0.0/16
}
