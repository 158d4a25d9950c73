package web

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"cityhub/dispatcher"
)

// metrics is the /metrics registry of one server: requests and their latency by route, cases by
// state, open streams, and the store's group commit (writes and the transactions they took).
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics(s *Server, commits func() (writes, commits int64)) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cityhub_http_requests_total", Help: "HTTP requests by route, method and status code.",
	}, []string{"route", "method", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "cityhub_http_request_duration_seconds", Help: "HTTP request latency by route.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"route", "method"})
	m.reg.MustRegister(m.requests, m.latency, newCaseCollector(s.svc),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "cityhub_streams_open", Help: "Open websocket streams."},
			func() float64 {
				if s.hub == nil {
					return 0
				}
				return float64(s.hub.Open())
			}),
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if commits != nil {
		m.reg.MustRegister(
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "cityhub_store_writes_total",
				Help: "Case writes the store committed (each with its events and tallies)."},
				func() float64 { w, _ := commits(); return float64(w) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "cityhub_store_commits_total",
				Help: "Transactions those writes took: writes/commits is the mean group-commit batch."},
				func() float64 { _, c := commits(); return float64(c) }))
	}
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// instrument counts every request under the route pattern that served it (never the raw path,
// which would make one series per case) and its method. Every label value comes from a closed
// set, whatever the client sends: a series lives as long as the process, so one per invented
// method or path would grow the hub and /metrics without bound.
func (m *metrics) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		route := r.Pattern // one of the mux's patterns
		if route == "" {
			route = "unmatched"
		}
		method := methodLabel(r.Method)
		m.requests.WithLabelValues(route, method, strconv.Itoa(rec.status)).Inc()
		m.latency.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
	})
}

// methodLabel is the method if it is one of HTTP's own (RFC 9110), "other" otherwise.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "other"
}

// statusRecorder remembers the status code; it passes Hijack through for websockets.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// caseCollector reports cases by state, counted at most every few seconds.
type caseCollector struct {
	svc  *dispatcher.Service
	desc *prometheus.Desc
	mu   sync.Mutex
	at   time.Time
	last map[dispatcher.State]int
}

func newCaseCollector(svc *dispatcher.Service) *caseCollector {
	return &caseCollector{svc: svc, desc: prometheus.NewDesc("cityhub_cases", "Cases by state.", []string{"state"}, nil)}
}

func (c *caseCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *caseCollector) Collect(ch chan<- prometheus.Metric) {
	for state, n := range c.counts() {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), string(state))
	}
}

func (c *caseCollector) counts() map[dispatcher.State]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last != nil && time.Since(c.at) < 5*time.Second {
		return c.last
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts := map[dispatcher.State]int{}
	for _, st := range dispatcher.AllStates {
		page, err := c.svc.Store().ListCases(ctx, dispatcher.CaseFilter{States: []dispatcher.State{st}, Limit: 1})
		if err != nil {
			return c.last
		}
		counts[st] = page.Total
	}
	c.last, c.at = counts, time.Now()
	return counts
}

// Hijack lets the websocket upgrader take over the connection.
func (r *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := r.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, http.ErrNotSupported
	}
	r.status = http.StatusSwitchingProtocols
	return h.Hijack()
}
