package netaddr_test

import (
	"fmt"

	"github.com/cavra-dev/cavra/internal/netaddr"
)

func Example() {
	for _, s := range []string{"0xa9fea9fe", "169.254.43518", "[::ffff:a9fe:a9fe]:80", "good.com@127.1", "METADATA.google.internal."} {
		h := netaddr.ParseHost(s)
		fmt.Printf("%-27s %-22s %v\n", s, h, netaddr.Classify(h))
	}
	// Output:
	// 0xa9fea9fe                  169.254.169.254        metadata|link-local
	// 169.254.43518               169.254.169.254        metadata|link-local
	// [::ffff:a9fe:a9fe]:80       169.254.169.254:80     metadata|link-local
	// good.com@127.1              127.0.0.1              loopback
	// METADATA.google.internal.   metadata.google.internal metadata|local
}

func ExampleURLHosts() {
	// Browsers read "\" as "/"; curl reads it as part of the user name.
	for _, h := range netaddr.URLHosts(`http://evil.example\@good.example/`) {
		fmt.Println(h)
	}
	_, ok := netaddr.URLHost(`http://evil.example\@good.example/`)
	fmt.Println("one host:", ok)
	// Output:
	// evil.example:80
	// good.example:80
	// one host: false
}

func ExampleTargets() {
	args := []string{"-s", "--connect-to", "api.example.com:443:0251.0376.0251.0376:80", "https://api.example.com/v1"}
	for _, h := range netaddr.Targets(args) {
		fmt.Println(h, netaddr.Classify(h))
	}
	// Output:
	// 169.254.169.254:80 metadata|link-local
	// api.example.com:443 public
}
