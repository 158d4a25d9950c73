package web

import (
	"net/http"
	"net/url"

	"cityhub/dispatcher"
)

// The admin's display screens: their tokens are issued (shown once), listed and disabled here.

func (s *Server) displayAdminRoutes() []route {
	h := func(p string, fn authedHandler) route { return route{p, s.authed(fn)} }
	return []route{
		h("GET /api/v1/admin/displays", s.handleAdminDisplays),
		h("POST /api/v1/admin/displays", s.handleAdminCreateDisplay),
		h("PATCH /api/v1/admin/displays/{name}", s.handleAdminUpdateDisplay),
	}
}

func (s *Server) handleAdminDisplays(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	s.adminDo(w, r, http.StatusOK, func() (map[string]any, error) {
		if err := noQuery(r); err != nil {
			return nil, err
		}
		ds, err := s.svc.AdminDisplays(r.Context(), a.Actor())
		return map[string]any{"displays": ds}, err
	})
}

// handleAdminCreateDisplay answers {name, token, link, display}: the token is shown this once;
// the screen opens link, /screen?token=TOKEN (a path: the hub's address is the admin's to add).
func (s *Server) handleAdminCreateDisplay(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	s.adminDo(w, r, http.StatusCreated, func() (map[string]any, error) {
		var req struct {
			Name string `json:"name"`
		}
		if err := decodeJSON(w, r, &req); err != nil {
			return nil, err
		}
		tok, d, err := s.svc.AdminCreateDisplay(r.Context(), a.Actor(), req.Name)
		link := "/screen?token=" + url.QueryEscape(tok)
		return map[string]any{"name": d.Name, "token": tok, "link": link, "display": d}, err
	})
}

func (s *Server) handleAdminUpdateDisplay(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	s.adminDo(w, r, http.StatusOK, func() (map[string]any, error) {
		var req struct {
			Disabled *bool `json:"disabled"`
		}
		if err := decodeJSON(w, r, &req); err != nil {
			return nil, err
		}
		if req.Disabled == nil {
			return nil, dispatcher.FieldError("disabled", "请给出 disabled：true 停用，false 启用 (give disabled: true to disable the display, false to enable it)")
		}
		d, err := s.svc.AdminSetDisplayDisabled(r.Context(), a.Actor(), r.PathValue("name"), *req.Disabled)
		return map[string]any{"display": d}, err
	})
}
