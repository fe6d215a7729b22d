package netaddr

import (
	"strings"
	"testing"
)

func BenchmarkParseHost(b *testing.B) {
	for _, s := range []string{"api.github.com:443", "0xa9.254.0251.0xfe", "[::ffff:a9fe:a9fe]:80", "%31%36%39.254.169.254"} {
		b.Run(s, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Classify(ParseHost(s))
			}
		})
	}
}

func BenchmarkURLHost(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		URLHost("https://user@api.github.com/repos/cavra-dev/cavra/pulls?state=open")
	}
}

func BenchmarkTargets(b *testing.B) {
	args := strings.Fields("-sSL -H Accept:application/json --resolve api.example.com:443:10.0.0.5 -x http://proxy:3128 https://api.example.com/v1/items?page=[1-3]")
	b.ReportAllocs()
	for b.Loop() {
		Targets(args)
	}
}
