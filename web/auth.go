package web

import (
	"context"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"cityhub/dispatcher"
)

type ctxKey int

const (
	accountKey ctxKey = 1
	tokenKey   ctxKey = 2
	cookieKey  ctxKey = 3
)

// authedHandler receives the signed-in account with the request.
type authedHandler func(w http.ResponseWriter, r *http.Request, a *dispatcher.Account)

// authed requires a bearer token in the Authorization header.
func (s *Server) authed(h authedHandler) http.HandlerFunc { return s.authedBy(h, false) }

// authedQuery is authed for the stream, a websocket, to which a browser cannot add a header: the
// token may also come as the access_token query parameter. Nowhere else, since a URL ends up in
// logs and browser histories.
func (s *Server) authedQuery(h authedHandler) http.HandlerFunc { return s.authedBy(h, true) }

func (s *Server) authedBy(h authedHandler, query bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, err := bearerToken(r, query)
		fromCookie := false
		if err == nil && tok == "" && !hasCredentials(r) {
			tok, fromCookie = sessionToken(r), true
		}
		var a *dispatcher.Account
		if err == nil {
			a, err = s.svc.Authenticate(r.Context(), tok)
		}
		if err == nil && fromCookie {
			err = s.checkCookieRequest(r, tok, query)
		}
		if err != nil {
			if !fromCookie {
				w.Header().Set("WWW-Authenticate", `Bearer realm="cityhub"`)
			}
			s.writeError(w, r, err)
			return
		}
		ctx := context.WithValue(context.WithValue(r.Context(), accountKey, a), tokenKey, tok)
		ctx = context.WithValue(ctx, cookieKey, fromCookie)
		h(w, r.WithContext(ctx), a)
	}
}

// hasCredentials reports whether the request names a token of its own (header or query): then the
// session cookie a browser may also send is not looked at.
func hasCredentials(r *http.Request) bool {
	return r.Header.Get("Authorization") != "" || r.URL.Query().Has("access_token")
}

// viaCookie reports whether the request was authenticated by the session cookie.
func viaCookie(r *http.Request) bool {
	v, _ := r.Context().Value(cookieKey).(bool)
	return v
}

// bearerToken is the token of the Authorization header or, where query allows, of access_token.
func bearerToken(r *http.Request, query bool) (string, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		if scheme, tok, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(tok), nil
		}
		return "", nil
	}
	tok := r.URL.Query().Get("access_token")
	if tok != "" && !query {
		return "", dispatcher.Errorf(dispatcher.EUnauthorized,
			"access_token 只能用于 /api/v1/stream，请使用 Authorization 头 (access_token in the query is accepted only by /api/v1/stream; send the header Authorization: Bearer TOKEN)")
	}
	return tok, nil
}

// requestToken is the bearer token the request was authenticated with.
func requestToken(r *http.Request) string {
	tok, _ := r.Context().Value(tokenKey).(string)
	return tok
}

type loginRequest struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

// maxPasswordLen bounds the password of a sign-in (bcrypt reads 72 bytes; a longer one cannot
// have been set, and is simply wrong).
const maxPasswordLen = 1024

func (r loginRequest) validate() error {
	if n := utf8.RuneCountInString(r.Login); n > dispatcher.MaxLoginLen {
		return dispatcher.FieldError("login", "login 过长：%d 字，最多 %d 字 (login too long: %d characters, at most %d)",
			n, dispatcher.MaxLoginLen, n, dispatcher.MaxLoginLen)
	}
	if len(r.Password) > maxPasswordLen {
		return dispatcher.FieldError("password", "password 过长，最多 %d 字节 (password too long: at most %d bytes)", maxPasswordLen, maxPasswordLen)
	}
	return nil
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	err := decodeJSON(w, r, &req)
	if err == nil {
		err = req.validate()
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	throttles := s.loginThrottles(r, req.Login)
	counted, err := s.admit(r.Context(), w, throttles)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	tok, a, err := s.svc.Login(r.Context(), req.Login, req.Password)
	s.settle(r.Context(), counted, err)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"token": tok, "account": a})
}

// handleLogout revokes the token the request was made with.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	if err := s.svc.Logout(r.Context(), requestToken(r)); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// meView is the signed-in account as GET /api/v1/me answers it, with what a console needs to start:
// its path, the map's tile layer, and for a browser session the CSRF token.
type meView struct {
	*dispatcher.Account
	Console       string `json:"console"`
	CSRFToken     string `json:"csrf_token,omitempty"`
	MapTiles      string `json:"map_tiles,omitempty"`
	MapTilesDatum string `json:"map_tiles_datum,omitempty"`
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
	v := meView{Account: a, Console: ConsoleOf(a.Role), MapTiles: s.mapTiles, MapTilesDatum: s.mapTilesDatum}
	if viaCookie(r) {
		v.CSRFToken = csrfFor(requestToken(r))
	}
	writeJSON(w, http.StatusOK, v)
}

// Sign-in throttling (README, "Sign-in"). Only failures count, and they count against two keys,
// neither of which a stranger can use to lock the rightful user out:
//
//   - the login from one client address: the rightful user's typos, or someone guessing that
//     login from there. A guesser elsewhere does not slow the user down, since the key holds the
//     address; a success resets it.
//   - the client address across every login: someone trying many logins from one place. A
//     success takes back only its own attempt, so that signing in to an account of one's own
//     between guesses does not reset it.
//
// Past the free failures each attempt waits, twice as long after each failure, up to 15 minutes.
var (
	loginPairBackoff = dispatcher.BackoffPolicy{Free: 5, Base: time.Second, Max: 15 * time.Minute, Forget: time.Hour}
	loginAddrBackoff = dispatcher.BackoffPolicy{Free: 30, Base: time.Second, Max: 15 * time.Minute, Forget: time.Hour}
)

// throttle is one back-off key a sign-in counts against.
type throttle struct {
	key    string
	policy dispatcher.BackoffPolicy
	reset  bool // a success forgets every failure of the key (otherwise only its own attempt)
}

func (s *Server) loginThrottles(r *http.Request, login string) []throttle {
	addr := addressKey(s.proxies.ClientAddr(r))
	return []throttle{
		{key: "login:" + addr + "|" + login, policy: loginPairBackoff, reset: true},
		{key: "login-addr:" + addr, policy: loginAddrBackoff},
	}
}

// addressKey is the address failures are counted against: the client's, or for IPv6 its /64
// network, since one host usually has a /64 to itself and can take a new address in it at will.
func addressKey(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	if a.Is6() && !a.Is4In6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.Unmap().String()
}

// admit counts the attempt against every throttle in advance (see dispatcher.Backoff), or, when
// one of them is still waiting, refuses it with 429 and Retry-After, counting nothing.
func (s *Server) admit(ctx context.Context, w http.ResponseWriter, throttles []throttle) ([]throttle, error) {
	if s.backoff == nil {
		return nil, nil
	}
	var counted []throttle
	var wait time.Duration
	for _, t := range throttles {
		retry, err := s.backoff.Attempt(ctx, t.key, t.policy)
		switch {
		case err != nil:
			s.log.Warn("sign-in back-off unavailable; allowing", "err", err)
		case retry > 0:
			wait = max(wait, retry)
		default:
			counted = append(counted, t)
		}
	}
	if wait == 0 {
		return counted, nil
	}
	s.forgive(ctx, counted, false)
	secs := int((wait + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	return nil, dispatcher.Errorf(dispatcher.ETooMany,
		"登录失败次数过多，请 %d 秒后再试 (too many failed sign-ins: retry in %d seconds)", secs, secs)
}

// settle keeps the failures counted for a wrong login or password, and takes them back otherwise
// (a success, or a failure of the hub's own).
func (s *Server) settle(ctx context.Context, counted []throttle, err error) {
	if dispatcher.ErrorCode(err) != dispatcher.EUnauthorized {
		s.forgive(ctx, counted, err == nil)
	}
}

// forgive takes back the attempts counted, or, on a success, resets the keys that reset.
func (s *Server) forgive(ctx context.Context, counted []throttle, success bool) {
	ctx = context.WithoutCancel(ctx) // a client that hangs up must not leave its attempt counted
	for _, t := range counted {
		var err error
		if success && t.reset {
			err = s.backoff.Reset(ctx, t.key)
		} else {
			err = s.backoff.Forgive(ctx, t.key)
		}
		if err != nil {
			s.log.Warn("sign-in back-off unavailable", "err", err)
		}
	}
}
