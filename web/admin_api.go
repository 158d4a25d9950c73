package web

import (
	"net/http"

	"cityhub/dispatcher"
)

// adminAnswer writes an admin answer: the fields given and the warnings.
func (s *Server) adminAnswer(w http.ResponseWriter, status int, fields map[string]any) {
	fields["warnings"] = s.svc.AdminWarnings()
	w.Header().Set("Cache-Control", "no-store") // passwords and keys are answered once
	writeJSON(w, status, fields)
}

// adminDo runs one admin call and answers its result under name, or the error.
func (s *Server) adminDo(w http.ResponseWriter, r *http.Request, status int, fn func() (map[string]any, error)) {
	fields, err := fn()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.adminAnswer(w, status, fields)
}

// noQuery refuses any query parameter: the admin routes that take none say so.
func noQuery(r *http.Request) error {
	_, err := queryOf(r)
	return err
}

func (s *Server) handleAdminAccounts(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	s.adminDo(w, r, http.StatusOK, func() (map[string]any, error) {
		if err := noQuery(r); err != nil {
			return nil, err
		}
		accounts, err := s.svc.AdminAccounts(r.Context(), a.Actor())
		return map[string]any{"accounts": accounts}, err
	})
}

func (s *Server) handleAdminCreateAccount(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	s.adminDo(w, r, http.StatusCreated, func() (map[string]any, error) {
		var req dispatcher.NewAccount
		if err := decodeJSON(w, r, &req); err != nil {
			return nil, err
		}
		acc, pw, err := s.svc.AdminCreateAccount(r.Context(), a.Actor(), req)
		return map[string]any{"account": acc, "password": pw}, err
	})
}

func (s *Server) handleAdminUpdateAccount(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	s.adminDo(w, r, http.StatusOK, func() (map[string]any, error) {
		var req dispatcher.AccountPatch
		if err := decodeJSON(w, r, &req); err != nil {
			return nil, err
		}
		acc, n, err := s.svc.AdminUpdateAccount(r.Context(), a.Actor(), r.PathValue("login"), req)
		return map[string]any{"account": acc, "tokens_revoked": n}, err
	})
}

func (s *Server) handleAdminResetPassword(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	s.adminDo(w, r, http.StatusOK, func() (map[string]any, error) {
		if err := noBody(w, r); err != nil {
			return nil, err
		}
		login := r.PathValue("login")
		pw, n, err := s.svc.AdminResetPassword(r.Context(), a.Actor(), login)
		return map[string]any{"login": login, "password": pw, "tokens_revoked": n}, err
	})
}

func (s *Server) handleAdminAPIKeys(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	s.adminDo(w, r, http.StatusOK, func() (map[string]any, error) {
		if err := noQuery(r); err != nil {
			return nil, err
		}
		keys, err := s.svc.AdminAPIKeys(r.Context(), a.Actor())
		return map[string]any{"api_keys": keys}, err
	})
}

func (s *Server) handleAdminCreateAPIKey(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	s.adminDo(w, r, http.StatusCreated, func() (map[string]any, error) {
		var req struct {
			Name string `json:"name"`
		}
		if err := decodeJSON(w, r, &req); err != nil {
			return nil, err
		}
		key, view, err := s.svc.AdminCreateAPIKey(r.Context(), a.Actor(), req.Name)
		return map[string]any{"api_key": view, "key": key}, err
	})
}

func (s *Server) handleAdminUpdateAPIKey(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	s.adminDo(w, r, http.StatusOK, func() (map[string]any, error) {
		var req struct {
			Disabled *bool `json:"disabled"`
		}
		if err := decodeJSON(w, r, &req); err != nil {
			return nil, err
		}
		if req.Disabled == nil {
			return nil, dispatcher.FieldError("disabled", "请给出 disabled：true 停用，false 启用 (give disabled: true to disable the key, false to enable it)")
		}
		view, err := s.svc.AdminSetAPIKeyDisabled(r.Context(), a.Actor(), r.PathValue("id"), *req.Disabled)
		return map[string]any{"api_key": view}, err
	})
}

func (s *Server) handleAdminCalendar(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	s.adminDo(w, r, http.StatusOK, func() (map[string]any, error) {
		if err := noQuery(r); err != nil {
			return nil, err
		}
		view, err := s.svc.AdminCalendarYear(r.Context(), a.Actor(), r.PathValue("year"))
		return map[string]any{"calendar": view}, err
	})
}

func (s *Server) handleAdminPutCalendar(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	s.adminDo(w, r, http.StatusOK, func() (map[string]any, error) {
		var req struct {
			Holidays [][2]string `json:"holidays"`
			Workdays []string    `json:"workdays"`
		}
		if err := decodeJSON(w, r, &req); err != nil {
			return nil, err
		}
		view, err := s.svc.AdminPutCalendarYear(r.Context(), a.Actor(), r.PathValue("year"),
			dispatcher.CalendarYear{Holidays: req.Holidays, Workdays: req.Workdays})
		return map[string]any{"calendar": view}, err
	})
}

func (s *Server) handleAdminCategories(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	s.adminDo(w, r, http.StatusOK, func() (map[string]any, error) {
		if err := noQuery(r); err != nil {
			return nil, err
		}
		cats, err := s.svc.AdminCategories(r.Context(), a.Actor())
		return map[string]any{"categories": cats}, err
	})
}

func (s *Server) handleAdminCategory(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	s.adminDo(w, r, http.StatusOK, func() (map[string]any, error) {
		if err := noQuery(r); err != nil {
			return nil, err
		}
		c, err := s.svc.AdminCategory(r.Context(), a.Actor(), r.PathValue("code"))
		return map[string]any{"category": c}, err
	})
}

func (s *Server) handleAdminPutCategory(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	s.adminDo(w, r, http.StatusOK, func() (map[string]any, error) {
		var req dispatcher.CategorySettings
		if err := decodeJSON(w, r, &req); err != nil {
			return nil, err
		}
		c, err := s.svc.AdminPutCategory(r.Context(), a.Actor(), r.PathValue("code"), req)
		return map[string]any{"category": c}, err
	})
}

func (s *Server) handleAdminPlaces(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	s.adminDo(w, r, http.StatusOK, func() (map[string]any, error) {
		if err := noQuery(r); err != nil {
			return nil, err
		}
		places, err := s.svc.AdminPlaces(r.Context(), a.Actor())
		return map[string]any{"places": places}, err
	})
}

// placeRequest is a place of the gazetteer as the admin sends it: the point may be given in GCJ-02
// or BD-09 (copied from an online map) and is kept in WGS-84.
type placeRequest struct {
	dispatcher.Place
	Datum string `json:"datum"`
}

func (req placeRequest) place() (dispatcher.Place, error) {
	p := req.Place
	datum := dispatcher.Datum(req.Datum)
	if datum == "" {
		datum = dispatcher.WGS84
	}
	pt, err := dispatcher.ToWGS84(p.Point, datum)
	p.Point = pt
	return p, err
}

func (s *Server) handleAdminCreatePlace(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	s.putPlace(w, r, a, true)
}

func (s *Server) handleAdminPutPlace(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	s.putPlace(w, r, a, false)
}

func (s *Server) putPlace(w http.ResponseWriter, r *http.Request, a *dispatcher.Account, create bool) {
	status := http.StatusOK
	if create {
		status = http.StatusCreated
	}
	s.adminDo(w, r, status, func() (map[string]any, error) {
		var req placeRequest
		if err := decodeJSON(w, r, &req); err != nil {
			return nil, err
		}
		if id := r.PathValue("id"); !create {
			if req.ID != "" && req.ID != id {
				return nil, dispatcher.FieldError("id", "请求体的 id %q 与路径的 %q 不一致 (the body's id differs from the path's)", req.ID, id)
			}
			req.ID = id
		}
		p, err := req.place()
		if err != nil {
			return nil, err
		}
		p, err = s.svc.AdminPutPlace(r.Context(), a.Actor(), p, create)
		return map[string]any{"place": p}, err
	})
}

func (s *Server) handleAdminDeletePlace(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	s.adminDo(w, r, http.StatusOK, func() (map[string]any, error) {
		id := r.PathValue("id")
		return map[string]any{"deleted": id}, s.svc.AdminDeletePlace(r.Context(), a.Actor(), id)
	})
}

func (s *Server) handleAdminCampaigns(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	s.adminDo(w, r, http.StatusOK, func() (map[string]any, error) {
		if err := noQuery(r); err != nil {
			return nil, err
		}
		list, err := s.svc.AdminCampaigns(r.Context(), a.Actor())
		return map[string]any{"campaigns": list}, err
	})
}

// handleAdminPutCampaigns replaces the whole list of campaigns (专项整治).
func (s *Server) handleAdminPutCampaigns(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	s.adminDo(w, r, http.StatusOK, func() (map[string]any, error) {
		var req struct {
			Campaigns *[]dispatcher.Campaign `json:"campaigns"`
		}
		if err := decodeJSON(w, r, &req); err != nil {
			return nil, err
		}
		if req.Campaigns == nil {
			return nil, dispatcher.FieldError("campaigns", "请提供 campaigns 列表（可为空）(campaigns, a list, is required; it may be empty)")
		}
		list, err := s.svc.AdminPutCampaigns(r.Context(), a.Actor(), *req.Campaigns)
		return map[string]any{"campaigns": list}, err
	})
}

func (s *Server) handleAdminLog(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	s.adminDo(w, r, http.StatusOK, func() (map[string]any, error) {
		q, err := queryOf(r, "target", "action", "before", "limit")
		if err != nil {
			return nil, err
		}
		f := dispatcher.AdminLogFilter{Target: q.Get("target"), Action: q.Get("action")}
		if f.Limit, err = intParam(q.Get("limit"), "limit", 0, 1000); err != nil {
			return nil, err
		}
		before, err := intParam(q.Get("before"), "before", 0, 1<<62)
		if err != nil {
			return nil, err
		}
		f.Before = int64(before)
		entries, err := s.svc.AdminLog(r.Context(), a.Actor(), f)
		return map[string]any{"entries": entries}, err
	})
}

// noBody refuses a body on a request that takes none (an empty body or {} is fine).
func noBody(w http.ResponseWriter, r *http.Request) error {
	if r.ContentLength == 0 {
		return nil
	}
	var v struct{}
	return decodeJSON(w, r, &v)
}
