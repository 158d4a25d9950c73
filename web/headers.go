package web

import (
	"net/http"
	"net/url"
	"strings"
)

// securityHeaders sets the headers every answer carries, before the handler runs so that a handler
// with stricter needs (a page, an attachment) can replace them:
//   - a Content-Security-Policy that allows only the hub's own scripts (no inline script, no eval),
//     its own connections (the API and the stream), images from itself and from the configured
//     tile server, and no framing (clickjacking);
//   - no MIME sniffing, no referrer to other sites, camera and position for the hub's own pages
//     only (the phone consoles take photos and positions);
//   - no caching of API answers, which carry personal data.
//
// style-src allows inline styles: Element Plus and Leaflet position things with style
// attributes. Styles cannot run code; scripts stay strictly the hub's own files.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	csp := contentSecurityPolicy(s.mapTiles)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(self), geolocation=(self), microphone=(), payment=(), usb=()")
		if strings.HasPrefix(r.URL.Path, "/api/") {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

func contentSecurityPolicy(tiles string) string {
	img := "'self' data: blob:"
	if o := tileOrigin(tiles); o != "" {
		img += " " + o
	}
	return "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src " + img +
		"; connect-src 'self'; worker-src 'self' blob:; font-src 'self' data:; media-src 'self' blob:" +
		"; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
}

// tileOrigin is the CSP source of a tile URL template: its scheme and host, with Leaflet's {s}
// subdomain placeholder as a wildcard.
func tileOrigin(tiles string) string {
	if tiles == "" {
		return ""
	}
	u, err := url.Parse(strings.ReplaceAll(tiles, "{s}", "s"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	host := u.Host
	if strings.HasPrefix(tiles[len(u.Scheme)+3:], "{s}.") {
		host = "*" + host[1:]
	}
	return u.Scheme + "://" + host
}
