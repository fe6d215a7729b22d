package netaddr

import (
	"net/netip"
	"testing"
)

func TestParseHostIPv4Encodings(t *testing.T) {
	t.Parallel()
	const md = "169.254.169.254"
	tests := []struct{ in, want string }{
		{"169.254.169.254", md},
		{"2852039166", md},
		{"0xa9fea9fe", md},
		{"0XA9FEA9FE", md},
		{"0xA9feA9Fe", md},
		{"025177524776", md},
		{"0251.0376.0251.0376", md},
		{"0xa9.0xfe.0xa9.0xfe", md},
		{"0xa9.254.0251.0xfe", md},
		{"169.254.43518", md},
		{"169.0376.0xa9fe", md},
		{"169.16689662", md},
		{"0xa9.0xfea9fe", md},
		{"0000251.254.169.254", md},
		{"169.254.169.254.", md},
		{"169.254.169.254..", md},
		{"169.254.169.254:80", md},
		{"user:pw@169.254.169.254:80", md},
		{"good.com@169.254.169.254", md},
		{"169.254.169.254/latest/meta-data", md},
		{"%31%36%39.254.169.254", md},
		{"１６９。２５４。１６９。２５４", md},
		{"169．254．169．254", md},
		{"0x", "0.0.0.0"},
		{"0", "0.0.0.0"},
		{"127.1", "127.0.0.1"},
		{"0x7f.1", "127.0.0.1"},
		{"017700000001", "127.0.0.1"},
		{"4294967295", "255.255.255.255"},
		{"[127.0.0.1]", "127.0.0.1"},
		// IPv6 and embedded IPv4.
		{"[::ffff:169.254.169.254]", md},
		{"[::ffff:a9fe:a9fe]:80", md},
		{"[::FFFF:A9FE:A9FE]", md},
		{"::ffff:a9fe:a9fe", md},
		{"[::169.254.169.254]", md},
		{"[::a9fe:a9fe]", md},
		{"[::ffff:0:a9fe:a9fe]", md},
		{"[64:ff9b::a9fe:a9fe]", md},
		{"[64:ff9b::169.254.169.254]", md},
		{"[2002:a9fe:a9fe::]", md},
		{"[2002:a9fe:a9fe:1::5]", md},
		{"[::ffff:127.0.0.1%25eth0]", "127.0.0.1"},
		{"[::1]", "::1"},
		{"::", "::"},
		{"[fe80::1%25eth0]:8080", "fe80::1%eth0"},
		{"[fe80::1%eth0]", "fe80::1%eth0"},
		{"[fd00:ec2::254]", "fd00:ec2::254"},
	}
	for _, tt := range tests {
		h := ParseHost(tt.in)
		want := netip.MustParseAddr(tt.want)
		if h.Addr != want {
			t.Errorf("ParseHost(%q).Addr = %v, want %v", tt.in, h.Addr, want)
		}
	}
}

func TestParseHostNotIP(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"1.2.3.256", "256.1.1.1", "1.2.3.4.5", "1.2.65536", "1.16777216", "4294967296",
		"08", "0x1g", "1..2", ".1.2.3", "1.2.3.-4", "+1.2.3.4", "1.2.3.4a", "0x.0x.0x.0x.0x",
		"example.com", "1e3", "0b101", "", "1.2.3.0400",
		"0169.254.169.254", // a leading zero means octal, and 9 is no octal digit "99999999999999999999",
		"[::ffff:1.2.3.256]", "[gggg::1]",
	} {
		if h := ParseHost(in); h.Addr.IsValid() {
			t.Errorf("ParseHost(%q).Addr = %v, want none", in, h.Addr)
		}
	}
}

func TestParseHostFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Host
	}{
		{"Example.COM.", Host{Name: "example.com"}},
		{"example.com:0443", Host{Name: "example.com", Port: "443"}},
		{"example.com:", Host{Name: "example.com"}},
		{"a@b@Example.com:8080/x?y#z", Host{Name: "example.com", Port: "8080"}},
		{"[::1]:22", Host{Name: "::1", Addr: netip.MustParseAddr("::1"), Port: "22"}},
		{"0xA9FEA9FE:80", Host{Name: "0xa9fea9fe", Addr: netip.MustParseAddr("169.254.169.254"), Port: "80"}},
		{"  localhost  ", Host{Name: "localhost"}},
		{"%6c%6F%63alhost", Host{Name: "localhost"}},
		{"ＬＯＣＡＬＨＯＳＴ", Host{Name: "localhost"}},
		{"bad%zzname", Host{Name: "bad%zzname"}},
		{"host:abc", Host{Name: "host", Port: "abc"}},
	}
	for _, tt := range tests {
		if got := ParseHost(tt.in); got != tt.want {
			t.Errorf("ParseHost(%q) = %#v, want %#v", tt.in, got, tt.want)
		}
	}
}

func TestHostStringRoundTrip(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"example.com:80", "0xa9fea9fe", "[fe80::1%25eth0]:80", "a%2fb%40c%3ad", "[x]:1:2",
		"%25", "[::ffff:1.2.3.4]", "[2001:db8::1]:443", "ex ample", "%5b::1%5d", "[0]::", "0:00 #",
	} {
		h := ParseHost(in)
		if back := ParseHost(h.String()); back != h && !(h.Addr.IsValid() && back.Addr == h.Addr && back.Port == h.Port) {
			t.Errorf("ParseHost(%q) = %#v; its String %q parses to %#v", in, h, h.String(), back)
		}
	}
}

func TestUnwrap(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"::ffff:1.2.3.4": "1.2.3.4", "::1.2.3.4": "1.2.3.4", "::": "::", "::1": "::1", "::2": "0.0.0.2",
		"64:ff9b::102:304": "1.2.3.4", "64:ff9b:1::102:304": "64:ff9b:1::102:304",
		"2002:102:304::1": "1.2.3.4", "2001:db8::1": "2001:db8::1", "1.2.3.4": "1.2.3.4",
		"::ffff:0:102:304": "1.2.3.4",
	} {
		if got := Unwrap(netip.MustParseAddr(in)); got != netip.MustParseAddr(want) {
			t.Errorf("Unwrap(%s) = %v, want %s", in, got, want)
		}
	}
}
