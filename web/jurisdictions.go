package web

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"

	"cityhub/dispatcher"
)

// handleJurisdictions serves the district's jurisdictions as the reference data holds them
// (GeoJSON, WGS-84): the consoles' map draws them without any tile server.
func (s *Server) handleJurisdictions(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	body := s.svc.Reference().Jurisdictions
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "private, no-cache")
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/geo+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(body)
}
