package console

import (
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

// Handler serves the consoles: GET /console/assets/<name> from the built files and, for any other
// path under /console/, the application's index.html (the router in the browser picks the
// console). Without a build it answers 503 with a page that says how to build.
type Handler struct {
	files fs.FS
	index []byte
}

// NewHandler serves the given built files (Files()); nil files means "not built".
func NewHandler(files fs.FS) *Handler {
	h := &Handler{files: files}
	if files != nil {
		h.index, _ = fs.ReadFile(files, "index.html")
	}
	return h
}

// Built reports whether the consoles were built into this binary.
func (h *Handler) Built() bool { return h.index != nil }

// ServeIndex answers the application's page; it is small and changes with every build, so it is
// always revalidated, while the hashed assets it names are cached for good.
func (h *Handler) ServeIndex(w http.ResponseWriter, r *http.Request) {
	if !h.Built() {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("控制台尚未构建：请运行 make build (the consoles were not built into this binary: run make build)\n"))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(h.index)
}

// ServeAsset answers one hashed asset, in the best pre-compressed form the browser accepts.
func (h *Handler) ServeAsset(w http.ResponseWriter, r *http.Request) {
	name := "assets/" + r.PathValue("name")
	if !h.Built() || strings.Contains(r.PathValue("name"), "/") || isCompressedCopy(name) {
		http.NotFound(w, r)
		return
	}
	body, encoding, err := h.pick(name, r.Header.Get("Accept-Encoding"))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	hdr := w.Header()
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		hdr.Set("Content-Type", ct)
	}
	hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	hdr.Set("Vary", "Accept-Encoding")
	if encoding != "" {
		hdr.Set("Content-Encoding", encoding)
	}
	_, _ = w.Write(body)
}

func isCompressedCopy(name string) bool {
	return strings.HasSuffix(name, ".br") || strings.HasSuffix(name, ".gz")
}

// pick returns the brotli copy when accepted and present, else the gzip one, else the file itself.
func (h *Handler) pick(name, accept string) ([]byte, string, error) {
	for _, enc := range []struct{ token, suffix, header string }{{"br", ".br", "br"}, {"gzip", ".gz", "gzip"}} {
		if !acceptsEncoding(accept, enc.token) {
			continue
		}
		if b, err := fs.ReadFile(h.files, name+enc.suffix); err == nil {
			return b, enc.header, nil
		}
	}
	b, err := fs.ReadFile(h.files, name)
	return b, "", err
}

// acceptsEncoding reads an Accept-Encoding header (RFC 9110 §12.5.3): the token listed with a
// non-zero weight.
func acceptsEncoding(header, token string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), token) {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}
