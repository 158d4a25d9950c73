package web

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"time"

	"cityhub/dispatcher"
)

// Browser sessions. A browser signs in at /login and gets the same kind of token as an API client,
// kept in an HttpOnly cookie the page's scripts cannot read: the session lives in the store, so it
// expires, is revoked and is checked exactly as a bearer token is, on every instance. A request the
// cookie authenticates that changes something must also carry the session's CSRF token in the
// X-CSRF-Token header; a page of another site can make the browser send the cookie (SameSite=Strict
// already stops most of that) but can never read the token, which the console gets from
// GET /api/v1/me. The token is a one-way hash of the session token, so it needs no storage and
// knowing it does not give the session away.

const (
	sessionCookie = "cityhub_session"
	// loginCookie carries the sign-in form's CSRF value (double submit): a form posted from
	// another site cannot know it.
	loginCookie = "cityhub_login"
	csrfHeader  = "X-CSRF-Token"
	// sessionMaxAge matches the tokens' absolute lifetime (README, "Tokens").
	sessionMaxAge = 72 * time.Hour
)

// csrfFor is the CSRF token of a session.
func csrfFor(sessionToken string) string {
	sum := sha256.Sum256([]byte("cityhub csrf\x00" + sessionToken))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func sameSecret(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// isSafeMethod: methods that change nothing, which need no CSRF token.
func isSafeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// sessionToken is the token of the session cookie, or "".
func sessionToken(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return ""
	}
	return c.Value
}

// sessionAccount is the account signed in with the request's session cookie, if it is valid.
func (s *Server) sessionAccount(r *http.Request) (*dispatcher.Account, bool) {
	tok := sessionToken(r)
	if tok == "" {
		return nil, false
	}
	a, err := s.svc.Authenticate(r.Context(), tok)
	return a, err == nil
}

// secure reports whether cookies should be marked Secure: the hub is reached over https.
func (s *Server) secure(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(s.proxies.PublicURL(r, s.publicURL), "https://")
}

func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: int(maxAge.Seconds()),
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteStrictMode})
}

func (s *Server) clearCookie(w http.ResponseWriter, r *http.Request, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.secure(r), SameSite: http.SameSiteStrictMode})
}

// checkCookieRequest applies the rules of a request the session cookie authenticates: a CSRF token
// for a change, and for the websocket stream an Origin that is the hub's own (a websocket is not
// bound by the same-origin policy, so another site's page could otherwise open it with the cookie).
func (s *Server) checkCookieRequest(r *http.Request, tok string, stream bool) error {
	if stream {
		if !s.sameOrigin(r) {
			return dispatcher.Errorf(dispatcher.EForbidden, "请求来源不是本平台 (Origin is not this hub's)")
		}
		return nil
	}
	if !isSafeMethod(r.Method) && !sameSecret(r.Header.Get(csrfHeader), csrfFor(tok)) {
		return dispatcher.Errorf(dispatcher.EForbidden,
			"缺少或错误的 CSRF 令牌，请刷新页面 (missing or wrong %s header: reload the page)", csrfHeader)
	}
	return nil
}

// sameOrigin reports whether the request's Origin is the hub's own public origin.
func (s *Server) sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false
	}
	return strings.EqualFold(origin, s.proxies.PublicURL(r, s.publicURL))
}

// newLoginSecret makes the sign-in form's CSRF value.
func newLoginSecret() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// safeNext is where to go after sign-in: a path of this hub only (never another site, never
// "//host", which browsers read as another site), else "".
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return ""
	}
	return next
}

// ConsoleOf is the console each role lands on after sign-in.
func ConsoleOf(role dispatcher.Role) string {
	switch role {
	case dispatcher.Operator:
		return "/console/operator"
	case dispatcher.TeamLead, dispatcher.Officer, dispatcher.Auxiliary:
		return "/console/team"
	case dispatcher.Inspector:
		return "/console/inspector"
	case dispatcher.Leader:
		return "/console/leader"
	case dispatcher.Admin:
		return "/console/admin"
	}
	return "/console/dispatch" // dispatcher, shift leader, legal reviewer
}

// pageAuthed lets a signed-in browser through to a console page and sends anyone else to sign in,
// coming back to the page afterwards.
func (s *Server) pageAuthed(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := s.sessionAccount(r); !ok {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		next.ServeHTTP(w, r)
	})
}
