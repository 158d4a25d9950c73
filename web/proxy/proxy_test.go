package proxy

import (
	"crypto/tls"
	"net/http/httptest"
	"testing"
)

func TestParseRefusesWhatIsNotAnAddress(t *testing.T) {
	for _, bad := range []string{"10.0.0.0/33", "proxy.example", "10.0.0.1/8/2", "1.2.3"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted it", bad)
		}
	}
	tr, err := Parse("127.0.0.1, 10.0.0.0/8 ::1")
	if err != nil {
		t.Fatal(err)
	}
	if got := tr.String(); got != "127.0.0.1/32,10.0.0.0/8,::1/128" {
		t.Errorf("String() = %q", got)
	}
}

func TestClientAddr(t *testing.T) {
	tr, _ := Parse("10.0.0.0/8")
	cases := []struct {
		name, remote string
		xff          []string
		want         string
	}{
		{"direct client, no header", "203.0.113.5:4000", nil, "203.0.113.5"},
		{"direct client cannot claim another address", "203.0.113.5:4000", []string{"198.51.100.1"}, "203.0.113.5"},
		{"behind the proxy", "10.0.0.2:4000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"client-written entries left of the real one are ignored", "10.0.0.2:4000", []string{"1.1.1.1, 198.51.100.1"}, "198.51.100.1"},
		{"a chain of trusted proxies", "10.0.0.2:4000", []string{"198.51.100.1, 10.0.0.9"}, "198.51.100.1"},
		{"several headers are one list", "10.0.0.2:4000", []string{"1.1.1.1", "198.51.100.1"}, "198.51.100.1"},
		{"garbage ends the walk at the last good hop", "10.0.0.2:4000", []string{"nonsense, 10.0.0.7"}, "10.0.0.7"},
		{"proxy without header", "10.0.0.2:4000", nil, "10.0.0.2"},
		{"IPv4-mapped peer", "[::ffff:10.0.0.2]:4000", []string{"198.51.100.1"}, "198.51.100.1"},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		for _, h := range c.xff {
			r.Header.Add("X-Forwarded-For", h)
		}
		if got := tr.ClientAddr(r); got != c.want {
			t.Errorf("%s: ClientAddr = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestClientAddrTrustsNoOneByDefault(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "127.0.0.1:5000"
	r.Header.Set("X-Forwarded-For", "198.51.100.1")
	if got := (Trusted{}).ClientAddr(r); got != "127.0.0.1" {
		t.Errorf("ClientAddr = %q, want the peer", got)
	}
}

func TestPublicURL(t *testing.T) {
	tr, _ := Parse("10.0.0.0/8")
	cases := []struct {
		name, remote, host, proto, fwdHost, configured string
		tls                                            bool
		want                                           string
	}{
		{name: "configured wins", remote: "10.0.0.2:1", host: "a", proto: "https", configured: "https://hub.example.cn", want: "https://hub.example.cn"},
		{name: "direct request: its Host", remote: "203.0.113.5:1", host: "hub.local:8080", want: "http://hub.local:8080"},
		{name: "direct TLS request", remote: "203.0.113.5:1", host: "hub.local", tls: true, want: "https://hub.local"},
		{name: "stranger's forwarding headers ignored", remote: "203.0.113.5:1", host: "hub.local", proto: "https", fwdHost: "evil.example", want: "http://hub.local"},
		{name: "trusted proxy's headers believed", remote: "10.0.0.2:1", host: "127.0.0.1:8080", proto: "https", fwdHost: "hub.example.cn", want: "https://hub.example.cn"},
		{name: "first value of a list", remote: "10.0.0.2:1", host: "x", proto: "HTTPS, http", want: "https://x"},
		{name: "odd scheme ignored", remote: "10.0.0.2:1", host: "x", proto: "javascript", want: "http://x"},
		{name: "a host with a path is refused", remote: "10.0.0.2:1", host: "x", fwdHost: "evil.example/a?b", want: "http://x"},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr, r.Host = c.remote, c.host
		if c.tls {
			r.TLS = &tls.ConnectionState{}
		}
		if c.proto != "" {
			r.Header.Set("X-Forwarded-Proto", c.proto)
		}
		if c.fwdHost != "" {
			r.Header.Set("X-Forwarded-Host", c.fwdHost)
		}
		if got := tr.PublicURL(r, c.configured); got != c.want {
			t.Errorf("%s: PublicURL = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestParsePublicURL(t *testing.T) {
	for in, want := range map[string]string{
		"":                          "",
		"https://hub.example.cn/":   "https://hub.example.cn",
		"http://10.1.2.3:8080":      "http://10.1.2.3:8080",
		"https://gov.example/hub//": "https://gov.example/hub",
	} {
		got, err := ParsePublicURL(in)
		if err != nil || got != want {
			t.Errorf("ParsePublicURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"hub.example.cn", "ftp://x", "https://u:p@x", "https://x/?a=1", "https://x/#f", "/relative"} {
		if _, err := ParsePublicURL(bad); err == nil {
			t.Errorf("ParsePublicURL(%q) accepted it", bad)
		}
	}
}
