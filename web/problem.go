package web

import (
	"encoding/json"
	"net/http"

	"cityhub/dispatcher"
	"cityhub/web/httperr"
)

// problem is an RFC 9457 problem document, the JSON API's error body.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Code   string `json:"code"`
	Field  string `json:"field,omitempty"`
}

// writeError answers with a problem document; only internal errors are logged with detail.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status := httperr.Status(err)
	switch {
	case status == http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", "2")
		s.log.Debug("request refused while a dependency is down", "path", r.URL.Path, "err", err)
	case status >= 500:
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	code := dispatcher.ErrorCode(err)
	p := problem{Type: "https://cityhub.invalid/problems/" + code, Title: http.StatusText(status),
		Status: status, Detail: dispatcher.ErrorMessage(err), Code: code, Field: dispatcher.ErrorField(err)}
	w.Header().Set("Content-Type", "application/problem+json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(p)
}

// writeJSON answers with a JSON body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}
