package web

import (
	"net/http"

	"cityhub/dispatcher"
)

// The hot-spot map of the leaders' cockpit: reports per H3 cell, and the cases behind a cell.

func (s *Server) hotspotRoutes() []route {
	return []route{
		{"GET /api/v1/hotspots", compressed(s.authed(s.handleHotspots))},
		{"GET /api/v1/hotspots/{cell}/cases", compressed(s.authed(s.handleHotspotCases))},
	}
}

// handleHotspots answers ?res=7|9&category=&period=today|week|month|year or &from=&to=.
func (s *Server) handleHotspots(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	q := r.URL.Query()
	res, err := intParam(q.Get("res"), "res", 0, 15)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rep, err := s.svc.Hotspots(r.Context(), a.Actor(), dispatcher.HotspotQuery{Res: res,
		Category: q.Get("category"), Period: q.Get("period"), From: q.Get("from"), To: q.Get("to")})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// handleHotspotCases answers the cases of the cell in the path: ?category&period|from&to&offset&limit.
func (s *Server) handleHotspotCases(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	q := r.URL.Query()
	cq := dispatcher.CellCasesQuery{Cell: r.PathValue("cell"), Category: q.Get("category"),
		Period: q.Get("period"), From: q.Get("from"), To: q.Get("to")}
	var err error
	if cq.Offset, err = intParam(q.Get("offset"), "offset", 0, 1<<30); err == nil {
		cq.Limit, err = intParam(q.Get("limit"), "limit", 1, 100)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	page, err := s.svc.HotspotCases(r.Context(), a.Actor(), cq)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}
