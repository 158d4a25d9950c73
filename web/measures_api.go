package web

import (
	"fmt"
	"net/http"
	"net/url"

	"cityhub/dispatcher"
)

// measureRoutes lists the leaders' cockpit: the measures, their series, accountability and the
// cases behind a figure. Who may read what is the service's to say (the centre and the leaders;
// a unit's own line at most).
func (s *Server) measureRoutes() []route {
	// Gzipped when the client takes it: a daily series per category over a year is thousands of
	// points, and a page of cases a hundred rows.
	h := func(p string, fn authedHandler) route { return route{p, compressed(s.authed(fn))} }
	return []route{
		h("GET /api/v1/measures", s.handleMeasures),
		h("GET /api/v1/measures/series", s.handleSeries),
		h("GET /api/v1/measures/accountability", s.handleAccountability),
		h("GET /api/v1/measures/cases", s.handleMeasureCases),
	}
}

// measureQuery reads dim, period, from, to and compare; with none of period, from and to the
// period is def.
func measureQuery(q url.Values, def string) dispatcher.MeasureQuery {
	mq := dispatcher.MeasureQuery{Dim: q.Get("dim"), Period: q.Get("period"), From: q.Get("from"), To: q.Get("to"),
		Compare: q.Get("compare")}
	if mq.Period == "" && mq.From == "" && mq.To == "" {
		mq.Period = def
	}
	return mq
}

func (s *Server) handleMeasures(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	format, err := exportFormat(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rep, err := s.svc.Measures(r.Context(), a.Actor(), measureQuery(r.URL.Query(), "today"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if format != "json" {
		s.writeExport(w, r, format, fmt.Sprintf("统计-%s-%s_%s", rep.Dim, rep.From, rep.To), []sheet{measuresSheet(rep)})
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

func (s *Server) handleSeries(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	q := r.URL.Query()
	mq := measureQuery(q, "month")
	sq := dispatcher.SeriesQuery{Dim: mq.Dim, Interval: q.Get("interval"), Period: mq.Period, From: mq.From,
		To: mq.To, Measures: splitList(q.Get("measures"))}
	format, err := exportFormat(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	series, err := s.svc.MeasureSeries(r.Context(), a.Actor(), sq)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if format != "json" {
		name := fmt.Sprintf("趋势-%s-%s-%s_%s", series.Dim, series.Interval, series.From, series.To)
		s.writeExport(w, r, format, name, []sheet{seriesSheet(series)})
		return
	}
	writeJSON(w, http.StatusOK, series)
}

func (s *Server) handleAccountability(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	format, err := exportFormat(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	acc, err := s.svc.Accountability(r.Context(), a.Actor(), measureQuery(r.URL.Query(), "month"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if format != "json" {
		s.writeExport(w, r, format, fmt.Sprintf("问责-%s_%s", acc.From, acc.To), accountabilitySheets(acc))
		return
	}
	writeJSON(w, http.StatusOK, acc)
}

func (s *Server) handleMeasureCases(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	q := r.URL.Query()
	mq := measureQuery(q, "today")
	offset, err := intParam(q.Get("offset"), "offset", 0, 1<<30)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	limit, err := intParam(q.Get("limit"), "limit", 1, 100)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	page, err := s.svc.MeasureCases(r.Context(), a.Actor(), dispatcher.MeasureCasesQuery{Measure: q.Get("measure"),
		Dim: mq.Dim, Key: q.Get("key"), Period: mq.Period, From: mq.From, To: mq.To, Offset: offset, Limit: limit})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}
