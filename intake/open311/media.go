package open311

import (
	"net/http"
	"strings"
	"time"

	"cityhub/dispatcher"
)

// mediaPath is where the photos of public requests are served under the mount: media_url points
// at <mount>/media/<sha256>.jpg. What is served is the copy stripped of EXIF (the camera's
// position, its serial number, the time) and every other metadata, for a photo that came with
// the report of a public case (dispatcher.PublicPhotos); anything else answers 404 alike.
const mediaPath = "/media/"

func (h *handler) serveMedia(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "只支持 GET (GET only)", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(r.URL.Path, mediaPath)
	sha, _, _ := strings.Cut(name, ".") // the extension is for the client's sake
	m, f, err := h.svc.OpenPublicMedia(r.Context(), sha)
	if err != nil {
		status := http.StatusNotFound
		if dispatcher.ErrorCode(err) != dispatcher.ENotFound {
			status = http.StatusServiceUnavailable
			h.log.Warn("open311: serving a photo", "err", err)
		}
		http.Error(w, "照片不存在 (no such photo)", status)
		return
	}
	defer f.Close()
	hd := w.Header()
	hd.Set("Content-Type", m.PublicType)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", "sandbox")
	// A case may become private later: a day's caching, not a year's.
	hd.Set("Cache-Control", "public, max-age=86400")
	hd.Set("ETag", `"`+m.SHA256+`-public"`)
	http.ServeContent(w, r, "", time.Time{}, f)
}
