// Package webform is the citizens' web channel: the report form at /report and the status page at
// /track, for a phone's browser, without sign-in. This package is their JSON side, mounted under
// /report/api/ (the pages are a page of the consoles' build, served by package web):
//
//	GET  /report/api/categories               the catalogue's items, to choose from
//	GET  /report/api/candidates?lat=&lng=&category=   open complaints of the category within 250 m
//	GET  /report/api/challenge                a proof-of-work challenge (pow.go)
//	POST /report/api/reports                  a report: multipart/form-data with photos
//	POST /report/api/track                    {number, last4}: a case's status and public history
//
// Abuse control (limits.go): per client address and per phone number, in the limiter the hub's
// instances share; an address over its limit must solve a proof-of-work challenge for each further
// report, up to a hard cap. No third-party service (captcha) is involved.
package webform

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"cityhub/dispatcher"
	"cityhub/media"
	"cityhub/web/proxy"
)

// Actor is who the web channel is in the case record: the system, filing what a citizen sent.
var Actor = dispatcher.Actor{Login: "web", Name: "网上举报", Role: dispatcher.System, Unit: dispatcher.CommandCentre}

// Options configure the channel.
type Options struct {
	Limiter     dispatcher.Limiter // shared by the instances (Redis), or in-process
	KV          dispatcher.KV      // the proof-of-work key and spent challenges
	Proxies     proxy.Trusted      // whose X-Forwarded-For is believed
	MediaLimits media.Limits
	Limits      Limits // zero: DefaultLimits
	Log         *slog.Logger
	Now         func() time.Time
}

// Handler serves /report/api/.
type Handler struct {
	svc      *dispatcher.Service
	opt      Options
	mux      *http.ServeMux
	decoding chan struct{}
}

// New returns the channel's handler.
func New(svc *dispatcher.Service, opt Options) *Handler {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Limits == (Limits{}) {
		opt.Limits = DefaultLimits
	}
	h := &Handler{svc: svc, opt: opt, mux: http.NewServeMux(), decoding: make(chan struct{}, 1)}
	h.mux.HandleFunc("GET /report/api/categories", h.categories)
	h.mux.HandleFunc("GET /report/api/candidates", h.candidates)
	h.mux.HandleFunc("GET /report/api/challenge", h.challenge)
	h.mux.HandleFunc("POST /report/api/reports", h.report)
	h.mux.HandleFunc("POST /report/api/track", h.track)
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	h.mux.ServeHTTP(w, r)
}

// Category is an item of the catalogue as the form offers it.
type Category struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Group string `json:"group"`
}

func (h *Handler) categories(w http.ResponseWriter, r *http.Request) {
	out := []Category{}
	for _, c := range h.svc.Reference().Catalogue.Categories() {
		out = append(out, Category{Code: c.Code, Name: c.Name, Group: c.GroupName})
	}
	writeJSON(w, http.StatusOK, map[string]any{"categories": out})
}

func (h *Handler) candidates(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p, err := point(q.Get("lat"), q.Get("lng"))
	if err != nil {
		fail(w, err)
		return
	}
	list, err := h.svc.Candidates(r.Context(), p, q.Get("category"))
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"candidates": list})
}

// clientAddr is the address limits are counted under.
func (h *Handler) clientAddr(r *http.Request) string { return h.opt.Proxies.ClientAddr(r) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// fail answers an error in the channel's terms: {"error": "中文 (English)", "field": ...}.
func fail(w http.ResponseWriter, err error) {
	status := http.StatusBadRequest
	switch dispatcher.ErrorCode(err) {
	case dispatcher.ENotFound:
		status = http.StatusNotFound
	case dispatcher.ETooLarge:
		status = http.StatusRequestEntityTooLarge
	case dispatcher.EUnavailable, dispatcher.EInternal:
		status = http.StatusServiceUnavailable
	case dispatcher.EForbidden:
		status = http.StatusForbidden
	}
	writeJSON(w, status, map[string]string{"error": dispatcher.ErrorMessage(err), "field": dispatcher.ErrorField(err)})
}

var _ = context.Background
