package web

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"cityhub/dispatcher"
	"cityhub/docs"
)

// The hub's own pages outside the consoles: the stylesheet of the sign-in page (which also says what
// the hub is and where its interfaces and documentation are) and the embedded documents.

//go:embed home/home.css home/favicon.svg
var homeFiles embed.FS

// docLink is one document listed on the sign-in page.
type docLink struct{ File, Title string }

// serveFavicon answers the hub's icon (browsers ask /favicon.ico of every site; an SVG serves).
func serveFavicon(w http.ResponseWriter, r *http.Request) {
	b, _ := homeFiles.ReadFile("home/favicon.svg")
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, _ = w.Write(b)
}

func serveHomeCSS(w http.ResponseWriter, r *http.Request) {
	b, _ := homeFiles.ReadFile("home/home.css")
	setPageHeaders(w)
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	_, _ = w.Write(b)
}

// handleDoc serves one embedded Markdown document as plain text (a browser shows it as it is).
func (s *Server) handleDoc(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	b, err := fs.ReadFile(docs.Files, name)
	if err != nil || path.Ext(name) != ".md" || strings.Contains(name, "/") {
		s.writeError(w, r, dispatcher.Errorf(dispatcher.ENotFound, "没有这份文档 (no such document)"))
		return
	}
	setPageHeaders(w)
	w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
	_, _ = w.Write(b)
}

// documentLinks lists the embedded documents with the title of their first heading.
func documentLinks() []docLink {
	entries, _ := fs.ReadDir(docs.Files, ".")
	var out []docLink
	for _, e := range entries {
		b, err := fs.ReadFile(docs.Files, e.Name())
		if err != nil {
			continue
		}
		out = append(out, docLink{File: e.Name(), Title: firstHeading(b, e.Name())})
	}
	return out
}

func firstHeading(md []byte, fallback string) string {
	for _, line := range strings.Split(string(md), "\n") {
		if t, ok := strings.CutPrefix(line, "# "); ok {
			return strings.TrimSpace(t)
		}
	}
	return fallback
}

// pageCSP is the policy of the hub's own server-rendered pages (the sign-in page, the stylesheet,
// the documents): stricter than the consoles' (securityHeaders), since these run no script and set
// no style attribute; only the sign-in form posts, to the hub itself.
const pageCSP = "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// setPageHeaders: the page policy (the other security headers come from securityHeaders, on every
// answer), revalidated on each visit.
func setPageHeaders(w http.ResponseWriter) {
	w.Header().Set("Content-Security-Policy", pageCSP)
	w.Header().Set("Cache-Control", "no-cache")
}
