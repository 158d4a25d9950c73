package web

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"time"

	"cityhub/dispatcher"
	"cityhub/web/httperr"
)

//go:embed login/login.html
var loginFiles embed.FS

var loginTemplate = template.Must(template.ParseFS(loginFiles, "login/login.html"))

// loginForm is what the sign-in page shows.
type loginForm struct {
	Authority, District string
	CSRF, Next, Login   string
	Error               string
	Docs                []docLink
}

// sessionPageRoutes are the sign-in pages: HTML forms, not JSON, so not in the OpenAPI document.
func (s *Server) sessionPageRoutes() []route {
	return []route{
		{"GET /login", http.HandlerFunc(s.handleLoginPage)},
		{"POST /login", http.HandlerFunc(s.handleLoginForm)},
		{"POST /logout", http.HandlerFunc(s.handleLogoutForm)},
	}
}

// handleRoot sends a signed-in browser to its console and anyone else to sign in.
func (s *Server) handleRoot(w http.ResponseWriter, r *http.Request) {
	if a, ok := s.sessionAccount(r); ok {
		http.Redirect(w, r, ConsoleOf(a.Role), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (s *Server) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if a, ok := s.sessionAccount(r); ok {
		http.Redirect(w, r, orConsole(next, a), http.StatusSeeOther)
		return
	}
	s.renderLogin(w, r, http.StatusOK, loginForm{Next: next})
}

func orConsole(next string, a *dispatcher.Account) string {
	if next != "" {
		return next
	}
	return ConsoleOf(a.Role)
}

// renderLogin shows the form with a fresh CSRF value (cookie and hidden field).
func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, f loginForm) {
	ref := s.svc.Reference()
	f.Authority, f.District, f.Docs = ref.Authority, ref.District, documentLinks()
	f.CSRF = newLoginSecret()
	var buf bytes.Buffer
	if err := loginTemplate.Execute(&buf, f); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.setCookie(w, r, loginCookie, f.CSRF, time.Hour)
	setPageHeaders(w)
	w.Header().Set("Cache-Control", "no-store") // the form carries a one-time CSRF value
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// handleLoginForm signs a browser in: the same checks and back-off as POST /api/v1/login, then the
// session cookie and the way to the console.
func (s *Server) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		s.renderLogin(w, r, http.StatusBadRequest, loginForm{Error: "表单无法读取，请重试 (the form could not be read)"})
		return
	}
	f := loginForm{Next: safeNext(r.PostFormValue("next")), Login: r.PostFormValue("login")}
	if c, err := r.Cookie(loginCookie); err != nil || !sameSecret(r.PostFormValue("csrf"), c.Value) {
		f.Error = "页面已过期，请重新输入 (the page expired: sign in again)"
		s.renderLogin(w, r, http.StatusForbidden, f)
		return
	}
	tok, a, status, err := s.signIn(w, r, loginRequest{Login: f.Login, Password: r.PostFormValue("password")})
	if err != nil {
		f.Error = dispatcher.ErrorMessage(err)
		s.renderLogin(w, r, status, f)
		return
	}
	s.clearCookie(w, r, loginCookie)
	s.setCookie(w, r, sessionCookie, tok, sessionMaxAge)
	http.Redirect(w, r, orConsole(f.Next, a), http.StatusSeeOther)
}

// signIn checks a login and password under the sign-in back-off; on failure it answers the HTTP
// status the error maps to.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request, req loginRequest) (string, *dispatcher.Account, int, error) {
	if err := req.validate(); err != nil {
		return "", nil, http.StatusBadRequest, err
	}
	counted, err := s.admit(r.Context(), w, s.loginThrottles(r, req.Login))
	if err != nil {
		return "", nil, http.StatusTooManyRequests, err
	}
	tok, a, err := s.svc.Login(r.Context(), req.Login, req.Password)
	s.settle(r.Context(), counted, err)
	if err != nil {
		return "", nil, httperr.Status(err), err
	}
	return tok, a, http.StatusOK, nil
}

// handleLogoutForm ends the browser's session. The CSRF token is required while the session is
// valid (another site must not sign people out); an ended session is simply cleared.
func (s *Server) handleLogoutForm(w http.ResponseWriter, r *http.Request) {
	if tok := sessionToken(r); tok != "" {
		if _, ok := s.sessionAccount(r); ok {
			given := r.Header.Get(csrfHeader)
			if given == "" {
				given = r.PostFormValue("csrf")
			}
			if !sameSecret(given, csrfFor(tok)) {
				s.writeError(w, r, dispatcher.Errorf(dispatcher.EForbidden, "缺少或错误的 CSRF 令牌 (missing or wrong CSRF token)"))
				return
			}
			if err := s.svc.Logout(r.Context(), tok); err != nil {
				s.writeError(w, r, err)
				return
			}
		}
	}
	s.clearCookie(w, r, sessionCookie)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
