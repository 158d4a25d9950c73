// Package proxy decides what a request says about its client and about the address the public
// used to reach the hub. The X-Forwarded-For, X-Forwarded-Proto and X-Forwarded-Host headers are
// believed only when the request comes from one of the reverse proxies the bureau configured
// (--trusted-proxies): anyone else could write them, to dodge a sign-in throttle by inventing
// addresses or to make the hub hand out links to a host of their choosing.
package proxy

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// Trusted is the set of reverse proxies whose forwarding headers are believed. The zero value
// trusts no one: every request is taken at face value.
type Trusted struct {
	prefixes []netip.Prefix
}

// Parse reads a list of addresses and CIDR prefixes separated by commas or spaces, for example
// "127.0.0.1, 10.0.0.0/8, ::1". An empty list trusts no one.
func Parse(list string) (Trusted, error) {
	var t Trusted
	for _, item := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' }) {
		p, err := parsePrefix(item)
		if err != nil {
			return Trusted{}, fmt.Errorf("trusted proxies: %q is neither an IP address nor a CIDR prefix such as 10.0.0.0/8", item)
		}
		t.prefixes = append(t.prefixes, p)
	}
	return t, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// String lists the trusted prefixes.
func (t Trusted) String() string {
	s := make([]string, len(t.prefixes))
	for i, p := range t.prefixes {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}

func (t Trusted) contains(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range t.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// peer is the address of the host at the other end of the connection.
func peer(r *http.Request) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	return a.Unmap(), err == nil
}

// fromTrusted reports whether the request came straight from a trusted proxy.
func (t Trusted) fromTrusted(r *http.Request) bool {
	a, ok := peer(r)
	return ok && t.contains(a)
}

// ClientAddr is the address of the client that made the request: the connection's peer, or,
// when the peer is a trusted proxy, the nearest address in X-Forwarded-For that is not itself a
// trusted proxy (walking from the right, since each proxy appends the address it saw). A value
// that is not an IP address ends the walk: what lies left of it was written by the client.
func (t Trusted) ClientAddr(r *http.Request) string {
	p, ok := peer(r)
	if !ok {
		return r.RemoteAddr
	}
	if !t.contains(p) {
		return p.String()
	}
	hops := forwardedFor(r)
	client := p
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(hops[i])
		if err != nil {
			break
		}
		client = a.Unmap()
		if !t.contains(client) {
			break
		}
	}
	return client.String()
}

// forwardedFor is every entry of every X-Forwarded-For header, in order.
func forwardedFor(r *http.Request) []string {
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		for _, hop := range strings.Split(h, ",") {
			if hop = strings.TrimSpace(hop); hop != "" {
				hops = append(hops, hop)
			}
		}
	}
	return hops
}

// PublicURL is the root URL (scheme and host, no trailing slash) under which the public reaches
// the hub: configured when the bureau set one (see ParsePublicURL); otherwise the request's own
// Host, with the scheme and host a trusted proxy reports in X-Forwarded-Proto and
// X-Forwarded-Host. Links the hub hands out (Open311 discovery, the Location of a created
// report) are built from it.
func (t Trusted) PublicURL(r *http.Request, configured string) string {
	if configured != "" {
		return configured
	}
	scheme, host := "http", r.Host
	if r.TLS != nil {
		scheme = "https"
	}
	if t.fromTrusted(r) {
		if p := firstValue(r.Header.Get("X-Forwarded-Proto")); p == "http" || p == "https" {
			scheme = p
		}
		if h := firstValue(r.Header.Get("X-Forwarded-Host")); validHost(h) {
			host = h
		}
	}
	if !validHost(host) {
		host = "localhost"
	}
	return scheme + "://" + host
}

// firstValue is the first of a comma-separated header's values (the one the outermost proxy
// wrote), lower-cased for the scheme's sake.
func firstValue(h string) string {
	v, _, _ := strings.Cut(h, ",")
	return strings.ToLower(strings.TrimSpace(v))
}

// validHost accepts a host name or address with an optional port, and nothing that could change
// the meaning of a URL built around it.
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	u, err := url.Parse("http://" + h)
	return err == nil && u.Host == h && u.User == nil && u.Path == "" && u.RawQuery == "" && u.Fragment == ""
}

// ParsePublicURL checks a configured public URL (--public-url): absolute http or https, a host,
// no query or fragment; a path is kept (a hub mounted below a prefix by its proxy). It returns
// the URL without a trailing slash.
func ParsePublicURL(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("public URL %q must be an absolute http or https URL such as https://hub.example.cn", s)
	}
	return strings.TrimRight(u.String(), "/"), nil
}
