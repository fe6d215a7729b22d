package netaddr

import (
	"net/netip"
	"testing"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		host string
		want Class
	}{
		{"169.254.169.254", Metadata | LinkLocal},
		{"0xa9fea9fe", Metadata | LinkLocal},
		{"[::ffff:a9fe:a9fe]", Metadata | LinkLocal},
		{"[64:ff9b::a9fe:a9fe]", Metadata | LinkLocal},
		{"[2002:a9fe:a9fe::]", Metadata | LinkLocal},
		{"169.254.170.2", Metadata | LinkLocal},
		{"169.254.170.23", Metadata | LinkLocal},
		{"[fd00:ec2::254]", Metadata | Private},
		{"[fd00:ec2::23]", Metadata | Private},
		{"100.100.100.200", Metadata | Private},
		{"192.0.0.192", Metadata | Reserved},
		{"168.63.129.16", Metadata},
		{"169.254.169.123", LinkLocal}, // Amazon Time Sync: NTP, no credentials
		{"169.254.169.253", LinkLocal}, // Amazon DNS
		{"169.254.1.1", LinkLocal},
		{"[fe80::1%25eth0]", LinkLocal},
		{"127.0.0.1", Loopback},
		{"127.1", Loopback},
		{"0x7f000001", Loopback},
		{"127.255.255.254", Loopback},
		{"[::1]", Loopback},
		{"[::ffff:127.0.0.1]", Loopback},
		{"0.0.0.0", Loopback},
		{"0", Loopback},
		{"[::]", Loopback},
		{"0.1.2.3", Reserved},
		{"10.1.2.3", Private},
		{"172.16.0.1", Private},
		{"172.31.255.255", Private},
		{"172.32.0.1", Public},
		{"192.168.1.1", Private},
		{"100.64.0.1", Private},
		{"100.128.0.1", Public},
		{"[fc00::1]", Private},
		{"[fd12:3456::1]", Private},
		{"[fec0::1]", Private},
		{"192.0.2.1", Reserved},
		{"224.0.0.1", Reserved},
		{"255.255.255.255", Reserved},
		{"[ff02::1]", Reserved},
		{"[2001:db8::1]", Reserved},
		{"8.8.8.8", Public},
		{"[2606:4700::1111]", Public},
		// Names.
		{"metadata.google.internal", Metadata | Local},
		{"kubernetes.default.svc", Metadata},
		{"METADATA.GOOGLE.INTERNAL.", Metadata | Local},
		{"metadata.goog", Metadata},
		{"metadata", Metadata | Local},
		{"instance-data", Metadata | Local},
		{"instance-data.ec2.internal", Metadata | Local},
		{"instance-data.eu-west-1.compute.internal", Metadata | Local},
		{"metadata.tencentyun.com", Metadata},
		{"localhost", Loopback | Local},
		{"LocalHost.", Loopback | Local},
		{"api.localhost", Loopback | Local},
		{"localhost.localdomain", Loopback | Local},
		{"ip6-localhost", Loopback | Local},
		{"lvh.me", Loopback},
		{"app.localtest.me", Loopback},
		{"host.docker.internal", Local},
		{"printer.local", Local},
		{"router.home.arpa", Local},
		{"db", Local},
		{"169.254.169.254.nip.io", Metadata | LinkLocal},
		{"app.10.0.0.1.nip.io", Private},
		{"app-127-0-0-1.nip.io", Loopback},
		{"a9fea9fe.nip.io", Metadata | LinkLocal},
		{"app-0a000001.sslip.io", Private},
		{"--1.sslip.io", Loopback},
		{"8.8.8.8.nip.io", Public},
		{"nip.io", Public},
		{"example.com", Public},
		{"localhost.example.com", Public},
		{"metadata.google.internal.evil.com", Public},
		{"my-localhost", Local}, // single label
	}
	for _, tt := range tests {
		if got := Classify(ParseHost(tt.host)); got != tt.want {
			t.Errorf("Classify(%q) = %v, want %v", tt.host, got, tt.want)
		}
	}
	if got := Classify(Host{}); got != 0 {
		t.Errorf("Classify(Host{}) = %v, want none", got)
	}
}

func TestClassifyAddr(t *testing.T) {
	t.Parallel()
	if got := ClassifyAddr(netip.MustParseAddr("::ffff:169.254.169.254")); got != Metadata|LinkLocal {
		t.Errorf("mapped metadata = %v", got)
	}
	if got := ClassifyAddr(netip.Addr{}); got != 0 {
		t.Errorf("invalid = %v", got)
	}
}

func TestClassString(t *testing.T) {
	t.Parallel()
	for c, want := range map[Class]string{0: "none", Public: "public", Metadata | LinkLocal: "metadata|link-local", Loopback | Local: "loopback|local"} {
		if c.String() != want {
			t.Errorf("%d.String() = %q, want %q", c, c.String(), want)
		}
	}
	if !(Metadata | LinkLocal).Has(Metadata) || Public.Has(Metadata) || Public.Has(0) {
		t.Error("Has")
	}
}
