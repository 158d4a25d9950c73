package web

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

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
	if err := s.throttleLogin(w, r, req.Login); err != nil {
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

// Sign-in attempts allowed per account and per client address; beyond them passwords cannot be
// guessed faster than this.
const (
	loginsPerAccount = 10 // per loginWindow
	loginsPerAddress = 60 // per loginWindow
	loginWindow      = 5 * time.Minute
)

// throttleLogin counts an attempt against the account and the client address.
func (s *Server) throttleLogin(w http.ResponseWriter, r *http.Request, login string) error {
	if s.limiter == nil {
		return nil
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	for _, c := range []struct {
		key   string
		limit int
	}{{"login:" + login, loginsPerAccount}, {"login-addr:" + host, loginsPerAddress}} {
		ok, retry, err := s.limiter.Allow(r.Context(), c.key, c.limit, loginWindow)
		if err != nil {
			s.log.Warn("login limiter unavailable; allowing", "err", err)
			continue
		}
		if !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(retry.Seconds())+1))
			return dispatcher.Errorf(dispatcher.ETooMany, "登录尝试过于频繁，请 %d 秒后再试 (too many sign-in attempts; retry later)", int(retry.Seconds())+1)
		}
	}
	return nil
}
