// Package web is the hub's HTTP face: the JSON API under /api/v1 with its OpenAPI document, the
// websocket stream, the Open311 mount, /healthz and /metrics.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"runtime"

	"cityhub/dispatcher"
	"cityhub/media"
	"cityhub/web/proxy"
	"cityhub/web/stream"
)

// Config wires a Server.
type Config struct {
	Service *dispatcher.Service
	Hub     *stream.Hub
	Open311 http.Handler // mounted at /open311/v2/, paths stripped of that prefix
	WeChat  http.Handler // the Official Account's webhook at /intake/wechat (GET and POST); nil: none
	// Hotline is the telephone system's events at POST /intake/hotline/calls; nil: none (404).
	Hotline http.Handler
	// WebForm is the citizens' web channel's JSON side, mounted at /report/api/ (intake/webform).
	WebForm http.Handler
	// Signals carry a ringing call to the agent's console (GET /api/v1/calls/live).
	Signals dispatcher.Signals
	Logger  *slog.Logger
	// Health reports the state of the hub's dependencies for /healthz.
	Health func(ctx context.Context) Health
	// Backoff throttles failed sign-ins; nil means no throttling.
	Backoff dispatcher.Backoff
	// CommitStats, if set, reports the store's group commit for /metrics.
	CommitStats func() (writes, commits int64)
	// Proxies are the reverse proxies whose X-Forwarded-* headers are believed.
	Proxies proxy.Trusted
	// PublicURL is the hub's configured public root URL ("" derives it from each request): the
	// origin a browser's websocket must come from, and whether cookies are Secure.
	PublicURL string
	// MapTiles is an optional tile server URL template for the consoles' maps ({z}/{x}/{y}), and
	// MapTilesDatum the datum its tiles are drawn in (wgs84 or gcj02).
	MapTiles, MapTilesDatum string
	// MediaLimits bound uploads by kind (zero: 10 MB photos, 50 MB videos).
	MediaLimits media.Limits
}

// Server routes requests to the domain service.
type Server struct {
	svc     *dispatcher.Service
	hub     *stream.Hub
	log     *slog.Logger
	health  func(ctx context.Context) Health
	backoff dispatcher.Backoff
	metrics *metrics
	proxies proxy.Trusted
	handler http.Handler

	publicURL, mapTiles, mapTilesDatum string
	mediaLimits                        media.Limits
	mediaSlots                         chan struct{} // uploads being processed at once, at most one per core
	signals                            dispatcher.Signals
}

// New builds the server and its routes.
func New(cfg Config) *Server {
	s := &Server{svc: cfg.Service, hub: cfg.Hub, log: cfg.Logger, health: cfg.Health, backoff: cfg.Backoff,
		proxies: cfg.Proxies, publicURL: cfg.PublicURL, mapTiles: cfg.MapTiles, mapTilesDatum: cfg.MapTilesDatum,
		mediaLimits: cfg.MediaLimits, mediaSlots: make(chan struct{}, runtime.GOMAXPROCS(0)), signals: cfg.Signals}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.metrics = newMetrics(s, cfg.CommitStats)
	mux := http.NewServeMux()
	s.routes(mux, cfg.Open311)
	if cfg.WeChat != nil {
		mux.Handle("GET /intake/wechat", cfg.WeChat)
		mux.Handle("POST /intake/wechat", cfg.WeChat)
	}
	if cfg.WebForm != nil {
		mux.Handle("/report/api/", cfg.WebForm)
	}
	if cfg.Hotline != nil {
		mux.Handle("POST /intake/hotline/calls", cfg.Hotline)
	}
	s.handler = s.securityHeaders(s.metrics.instrument(mux))
	return s
}

// RoutePatterns lists every route the server answers ("METHOD /path"), API and pages: the
// authorization walk checks that its table names each one.
func (s *Server) RoutePatterns() []string {
	var out []string
	for _, r := range append(s.apiRoutes(), s.pageRoutes()...) {
		out = append(out, r.pattern)
	}
	return out
}

// Handler is the root handler.
func (s *Server) Handler() http.Handler { return s.handler }

// route is one entry of the API: the mux pattern ("METHOD /path") and its handler.
type route struct {
	pattern string
	handler http.Handler
}

// apiRoutes lists every JSON API route; the OpenAPI document must describe each (a test checks).
func (s *Server) apiRoutes() []route {
	h := func(p string, fn http.HandlerFunc) route { return route{p, fn} }
	rs := []route{
		h("GET /{$}", s.handleRoot),
		h("GET /home.css", serveHomeCSS),
		h("GET /docs/{name}", s.handleDoc),
		h("GET /healthz", s.handleHealth),
		{"GET /metrics", s.metrics.handler()},
		h("GET /api/v1/openapi.json", serveOpenAPI),
		h("POST /api/v1/login", s.handleLogin),
		h("POST /api/v1/logout", s.authed(s.handleLogout)),
		h("GET /api/v1/me", s.authed(s.handleMe)),
		h("GET /api/v1/reference", s.authed(s.handleReference)),
		h("GET /api/v1/jurisdictions", s.authed(s.handleJurisdictions)),
		h("POST /api/v1/complaints", s.authed(s.handleSubmit)),
		{"GET /api/v1/cases", compressed(s.authed(s.handleListCases))},
		h("GET /api/v1/cases/{number}", s.authed(s.handleGetCase)),
		h("GET /api/v1/cases/{number}/events", s.authed(s.handleCaseEvents)),
		h("GET /api/v1/cases/{number}/notices", s.authed(s.handleCaseNotices)),
		h("GET /api/v1/cases/{number}/reporters", s.authed(s.handleCaseReporters)),
		h("POST /api/v1/cases/{number}/actions", s.authed(s.handleAction)),
		h("POST /api/v1/cases/{number}/contact", s.authed(s.handleRevealContact)),
		h("GET /api/v1/stream", s.authedQuery(s.handleStream)),
	}
	// Each concern lists its own routes in its own file.
	for _, more := range [][]route{s.sessionRoutes(), s.mediaRoutes(), s.consoleAPIRoutes(), s.adminRoutes(),
		s.measureRoutes(), s.hotspotRoutes(), s.screenRoutes(), s.displayAdminRoutes(), s.callRoutes()} {
		rs = append(rs, more...)
	}
	return rs
}

func (s *Server) routes(mux *http.ServeMux, open311 http.Handler) {
	for _, r := range append(s.apiRoutes(), s.pageRoutes()...) {
		mux.Handle(r.pattern, r.handler)
	}
	if open311 != nil {
		mux.Handle("/open311/v2/", http.StripPrefix("/open311/v2", open311))
	}
}

// Health is the /healthz answer: 200 while the hub can take reports (even degraded), 503 when it
// cannot; each component says what is wrong with it.
type Health struct {
	Down       bool              `json:"-"`
	Degraded   bool              `json:"-"`
	Components map[string]string `json:"components,omitempty"`
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	h := Health{}
	if s.health != nil {
		h = s.health(r.Context())
	}
	status, word := http.StatusOK, "ok"
	switch {
	case h.Down:
		status, word = http.StatusServiceUnavailable, "unavailable"
		w.Header().Set("Retry-After", "2")
	case h.Degraded:
		word = "degraded"
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, map[string]any{"status": word, "components": h.Components})
}
