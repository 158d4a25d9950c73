package web

import (
	"context"
	"io/fs"
	"net/http"
	"time"

	"cityhub/dispatcher"
	"cityhub/web/console"
)

// The public display screen (/screen). A screen signs in with a display token, which is not an
// account: GET /screen?token=T checks T, keeps it in an HttpOnly cookie and redirects to /screen,
// so that the token leaves the address bar and the screen's history. The cookie then reaches
// only the screen's page, its data (GET /api/v1/screen), its stream and the consoles' assets; a
// signed-in member of the command centre or a leader may open the screen too.

const (
	displayCookie = "cityhub_display"
	// displayMaxAge keeps a screen signed in for the longest a browser keeps a cookie (400 days,
	// RFC 6265bis): it runs unattended, and the admin disables its token to sign it out.
	displayMaxAge = 400 * 24 * time.Hour
)

// screenHTML is the screen's page of the embedded console build (a Vite entry of its own), or nil
// when the build lacks it.
var screenHTML = readPage(console.Files(), "screen.html")

// readPage is a page of the embedded console build, or nil when the build lacks it.
func readPage(files fs.FS, name string) []byte {
	if files == nil {
		return nil
	}
	b, err := fs.ReadFile(files, name)
	if err != nil {
		return nil
	}
	return b
}

func (s *Server) screenPageRoutes() []route {
	return []route{{"GET /screen", http.HandlerFunc(s.handleScreenPage)}}
}

func (s *Server) screenRoutes() []route {
	return []route{
		{"GET /api/v1/screen", compressed(s.screenAuthed(s.handleScreen, false))},
		{"GET /api/v1/screen/stream", s.screenAuthed(s.handleScreenStream, true)},
		{"GET /api/v1/screen/jurisdictions", compressed(s.screenAuthed(s.handleScreenJurisdictions, false))},
	}
}

// handleScreenPage signs a screen in with ?token= and serves the page to a screen or a person
// who may see it; anyone else is told how to open it.
func (s *Server) handleScreenPage(w http.ResponseWriter, r *http.Request) {
	if tok := r.URL.Query().Get("token"); tok != "" {
		if _, err := s.svc.CheckDisplay(r.Context(), tok); err != nil {
			screenRefused(w, http.StatusUnauthorized)
			return
		}
		s.setCookie(w, r, displayCookie, tok, displayMaxAge)
		http.Redirect(w, r, "/screen", http.StatusSeeOther)
		return
	}
	if !s.screenViewer(r) {
		screenRefused(w, http.StatusUnauthorized)
		return
	}
	serveScreenPage(w, screenHTML)
}

// screenViewer reports whether the browser holds a valid display cookie or a session of someone
// who may see the screen.
func (s *Server) screenViewer(r *http.Request) bool {
	if c, err := r.Cookie(displayCookie); err == nil {
		if _, err := s.svc.CheckDisplay(r.Context(), c.Value); err == nil {
			return true
		}
	}
	a, ok := s.sessionAccount(r)
	return ok && mayWatchScreen(a.Actor())
}

// mayWatchScreen: the command centre's people and leaders (Actor.InCentre).
func mayWatchScreen(a dispatcher.Actor) bool { return a.InCentre() }

func serveScreenPage(w http.ResponseWriter, page []byte) {
	if page == nil {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("显示屏页面尚未构建：请运行 make build (the screen page was not built into this binary: run make build)\n"))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(page)
}

const screenRefusedPage = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>电子显示屏</title></head>
<body><h1>请使用显示屏链接打开本页</h1>
<p>此页面供大厅电子显示屏使用。请由系统管理员生成显示屏链接，并在显示屏的浏览器中打开该链接。</p>
<p lang="en">Open this page with the display link the admin creates for the screen.</p></body></html>
`

func screenRefused(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(screenRefusedPage))
}

// stillValid is what an open screen stream checks now and then: its credential still holds.
type stillValid func(ctx context.Context) error

type screenKey struct{}

// screenAuthed lets a screen (its display cookie) or someone who may watch it (a session or a
// bearer token of the command centre or a leader) through. A display cookie is taken only when
// the request names no token of its own; on the stream, only with the hub's own Origin.
func (s *Server) screenAuthed(h http.HandlerFunc, stream bool) http.HandlerFunc {
	asPerson := s.authedBy(func(w http.ResponseWriter, r *http.Request, a *dispatcher.Account) {
		if !mayWatchScreen(a.Actor()) {
			s.writeError(w, r, dispatcher.Errorf(dispatcher.EForbidden, "显示屏数据仅供指挥中心和领导查看 (the screen is for the command centre and leaders)"))
			return
		}
		tok := requestToken(r)
		h(w, withStillValid(r, func(ctx context.Context) error { return s.svc.CheckToken(ctx, tok) }))
	}, stream)
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(displayCookie)
		if err != nil || hasCredentials(r) {
			asPerson(w, r)
			return
		}
		if _, err := s.svc.CheckDisplay(r.Context(), c.Value); dispatcher.ErrorCode(err) == dispatcher.EUnauthorized {
			asPerson(w, r) // a stale display cookie beside a session: the session decides
			return
		} else if err != nil {
			s.writeError(w, r, err)
			return
		}
		if stream && !s.sameOrigin(r) {
			s.writeError(w, r, dispatcher.Errorf(dispatcher.EForbidden, "请求来源不是本平台 (Origin is not this hub's)"))
			return
		}
		h(w, withStillValid(r, func(ctx context.Context) error { _, err := s.svc.CheckDisplay(ctx, c.Value); return err }))
	}
}

// withStillValid hands the stream the check of its credential.
func withStillValid(r *http.Request, check stillValid) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), screenKey{}, check))
}

// handleScreenJurisdictions is the map's outline, as GET /api/v1/jurisdictions answers it.
func (s *Server) handleScreenJurisdictions(w http.ResponseWriter, r *http.Request) {
	s.handleJurisdictions(w, r, nil)
}

func (s *Server) handleScreen(w http.ResponseWriter, r *http.Request) {
	rep, err := s.svc.Screen(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}
