// Package web is the hub's HTTP face: the JSON API under /api/v1 with its OpenAPI document, the
// websocket stream, the Open311 mount, /healthz and /metrics.
package web

import (
	"context"
	"log/slog"
	"net/http"

	"cityhub/dispatcher"
	"cityhub/web/stream"
)

// Config wires a Server.
type Config struct {
	Service *dispatcher.Service
	Hub     *stream.Hub
	Open311 http.Handler // mounted at /open311/v2/, paths stripped of that prefix
	Logger  *slog.Logger
	// Health reports what is wrong, if anything; /healthz answers 503 with its message then.
	Health func(ctx context.Context) error
}

// Server routes requests to the domain service.
type Server struct {
	svc     *dispatcher.Service
	hub     *stream.Hub
	log     *slog.Logger
	health  func(ctx context.Context) error
	metrics *metrics
	handler http.Handler
}

// New builds the server and its routes.
func New(cfg Config) *Server {
	s := &Server{svc: cfg.Service, hub: cfg.Hub, log: cfg.Logger, health: cfg.Health}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.metrics = newMetrics(s)
	mux := http.NewServeMux()
	s.routes(mux, cfg.Open311)
	s.handler = s.metrics.instrument(mux)
	return s
}

// Handler is the root handler.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) routes(mux *http.ServeMux, open311 http.Handler) {
	mux.HandleFunc("GET /healthz", s.handleHealth)
	mux.Handle("GET /metrics", s.metrics.handler())
	mux.HandleFunc("GET /api/v1/openapi.json", serveOpenAPI)
	mux.HandleFunc("POST /api/v1/login", s.handleLogin)
	mux.HandleFunc("GET /api/v1/me", s.authed(s.handleMe))
	mux.HandleFunc("GET /api/v1/reference", s.authed(s.handleReference))
	mux.HandleFunc("POST /api/v1/complaints", s.authed(s.handleSubmit))
	mux.HandleFunc("GET /api/v1/cases", s.authed(s.handleListCases))
	mux.HandleFunc("GET /api/v1/cases/{number}", s.authed(s.handleGetCase))
	mux.HandleFunc("GET /api/v1/cases/{number}/events", s.authed(s.handleCaseEvents))
	mux.HandleFunc("POST /api/v1/cases/{number}/actions", s.authed(s.handleAction))
	mux.HandleFunc("POST /api/v1/cases/{number}/contact", s.authed(s.handleRevealContact))
	mux.HandleFunc("GET /api/v1/measures", s.authed(s.handleMeasures))
	mux.HandleFunc("GET /api/v1/stream", s.authed(s.handleStream))
	if open311 != nil {
		mux.Handle("/open311/v2/", http.StripPrefix("/open311/v2", open311))
	}
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	if s.health != nil {
		if err := s.health(r.Context()); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": err.Error()})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}
