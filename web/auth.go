package web

import (
	"context"
	"net/http"
	"strings"

	"cityhub/dispatcher"
)

type ctxKey int

const accountKey ctxKey = 1

// authedHandler receives the signed-in account with the request.
type authedHandler func(w http.ResponseWriter, r *http.Request, a *dispatcher.Account)

// authed requires a bearer token, from the Authorization header or (for websockets, which browsers
// cannot give headers) the access_token query parameter.
func (s *Server) authed(h authedHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, err := s.svc.Authenticate(r.Context(), bearerToken(r))
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="cityhub"`)
			s.writeError(w, r, err)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), accountKey, a)), a)
	}
}

func bearerToken(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		if scheme, tok, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(tok)
		}
		return ""
	}
	return r.URL.Query().Get("access_token")
}

type loginRequest struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	tok, a, err := s.svc.Login(r.Context(), req.Login, req.Password)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"token": tok, "account": a})
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	writeJSON(w, http.StatusOK, a)
}
