// Package wechattest is a fake of the WeChat API for tests, as net/http/httptest is of a server:
// it hands out access tokens, serves media files, and records the messages and the menu it is
// sent. It checks the appid and secret of a token request (40013, 40125) and the access token of
// every other call (40001 unknown, 42001 expired), and can be told to fail.
package wechattest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"
)

// Sent is a message the fake accepted: Kind "text" (a customer-service message, Text) or
// "template" (TemplateID, Data, and its url in Text).
type Sent struct {
	Kind, ToUser, Text, TemplateID string
	Data                           map[string]string
	At                             time.Time
}

// API is the fake WeChat API. Its methods are safe for concurrent use.
type API struct {
	URL string // base URL, for wechat.NewClient

	srv           *httptest.Server
	appID, secret string

	mu       sync.Mutex
	tokens   map[string]bool // issued tokens: true while valid
	issued   int
	media    map[string]mediaFile
	delay    time.Duration
	sent     []Sent
	failN    int
	failCode int
	outside  map[string]bool
	menu     json.RawMessage
	counts   map[string]int // calls per path
	lastBody map[string]json.RawMessage
}

type mediaFile struct {
	data  []byte
	ctype string
}

// NewAPI starts a fake API for one account. Close it when done.
func NewAPI(appID, secret string) *API {
	a := &API{appID: appID, secret: secret, tokens: map[string]bool{}, media: map[string]mediaFile{},
		outside: map[string]bool{}, counts: map[string]int{}, lastBody: map[string]json.RawMessage{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /cgi-bin/token", a.token)
	mux.HandleFunc("GET /cgi-bin/media/get", a.mediaGet)
	mux.HandleFunc("POST /cgi-bin/message/custom/send", a.customSend)
	mux.HandleFunc("POST /cgi-bin/message/template/send", a.templateSend)
	mux.HandleFunc("POST /cgi-bin/menu/create", a.menuCreate)
	a.srv = httptest.NewServer(mux)
	a.URL = a.srv.URL
	return a
}

// Close shuts the server down.
func (a *API) Close() { a.srv.Close() }

// AddMedia makes media/get answer data with Content-Type ctype for id.
func (a *API) AddMedia(id string, data []byte, ctype string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.media[id] = mediaFile{data: append([]byte(nil), data...), ctype: ctype}
}

// SetMediaDelay makes media/get wait d before answering (a slow API).
func (a *API) SetMediaDelay(d time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.delay = d
}

// Sent returns the messages sent so far, in order.
func (a *API) Sent() []Sent {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Sent(nil), a.sent...)
}

// FailSends makes the next n sends (custom or template) answer errcode code.
func (a *API) FailSends(n, code int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.failN, a.failCode = n, code
}

// TokenCount is the number of tokens handed out (refused token requests are in
// Count("/cgi-bin/token") only).
func (a *API) TokenCount() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.issued
}

// MediaCount is the number of media/get calls answered with a file.
func (a *API) MediaCount() int { return a.Count("media") }

// Count is the number of requests to path (such as "/cgi-bin/message/custom/send"), whatever
// they were answered.
func (a *API) Count(path string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.counts[path]
}

// Menu returns the body of the last menu/create call (nil if none).
func (a *API) Menu() json.RawMessage {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append(json.RawMessage(nil), a.menu...)
}

// LastBody returns the body of the last POST to path that passed the token check, byte for byte.
func (a *API) LastBody(path string) json.RawMessage {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append(json.RawMessage(nil), a.lastBody[path]...)
}

// ExpireTokens makes every token handed out so far answer 42001 (expired).
func (a *API) ExpireTokens() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for t := range a.tokens {
		a.tokens[t] = false
	}
}

// OutsideWindow makes customer-service sends to openID answer 45015 (the citizen has not written
// in the last 48 hours).
func (a *API) OutsideWindow(openID string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.outside[openID] = true
}

func (a *API) token(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.counts[r.URL.Path]++
	switch {
	case q.Get("grant_type") != "client_credential":
		answer(w, 40002, "invalid grant_type")
	case q.Get("appid") != a.appID:
		answer(w, 40013, "invalid appid")
	case q.Get("secret") != a.secret:
		answer(w, 40125, "invalid appsecret")
	default:
		a.issued++
		tok := fmt.Sprintf("fake-token-%d-%s", a.issued, strconv.FormatInt(time.Now().UnixNano(), 36))
		a.tokens[tok] = true
		writeJSON(w, map[string]any{"access_token": tok, "expires_in": 7200})
	}
}

// authorized counts the call and checks its token, answering the error itself if it is bad.
// It must be called with a.mu held.
func (a *API) authorized(w http.ResponseWriter, r *http.Request) bool {
	a.counts[r.URL.Path]++
	valid, known := a.tokens[r.URL.Query().Get("access_token")]
	switch {
	case !known:
		answer(w, 40001, "invalid credential, access_token is invalid or not latest")
	case !valid:
		answer(w, 42001, "access_token expired")
	default:
		return true
	}
	return false
}

func (a *API) mediaGet(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	ok := a.authorized(w, r)
	f, found := a.media[r.URL.Query().Get("media_id")]
	delay := a.delay
	if ok && found {
		a.counts["media"]++
	}
	a.mu.Unlock()
	if !ok {
		return
	}
	if !found {
		answer(w, 40007, "invalid media_id")
		return
	}
	select {
	case <-time.After(delay):
	case <-r.Context().Done():
		return
	}
	w.Header().Set("Content-Type", f.ctype)
	w.Header().Set("Content-Length", strconv.Itoa(len(f.data)))
	_, _ = w.Write(f.data)
}

func (a *API) customSend(w http.ResponseWriter, r *http.Request) {
	var m struct {
		ToUser  string `json:"touser"`
		MsgType string `json:"msgtype"`
		Text    struct {
			Content string `json:"content"`
		} `json:"text"`
	}
	a.post(w, r, &m, func() (int, string) {
		switch {
		case m.MsgType != "text":
			return 40008, "invalid message type"
		case a.outside[m.ToUser]:
			return 45015, "response out of time limit or subscription is canceled"
		}
		a.sent = append(a.sent, Sent{Kind: "text", ToUser: m.ToUser, Text: m.Text.Content, At: time.Now()})
		return 0, "ok"
	})
}

func (a *API) templateSend(w http.ResponseWriter, r *http.Request) {
	var m struct {
		ToUser     string `json:"touser"`
		TemplateID string `json:"template_id"`
		URL        string `json:"url"`
		Data       map[string]struct {
			Value string `json:"value"`
		} `json:"data"`
	}
	a.post(w, r, &m, func() (int, string) {
		if m.TemplateID == "" {
			return 40037, "invalid template_id"
		}
		data := map[string]string{}
		for k, v := range m.Data {
			data[k] = v.Value
		}
		a.sent = append(a.sent, Sent{Kind: "template", ToUser: m.ToUser, TemplateID: m.TemplateID, Text: m.URL,
			Data: data, At: time.Now()})
		return 0, "ok"
	})
}

func (a *API) menuCreate(w http.ResponseWriter, r *http.Request) {
	var m struct {
		Button []json.RawMessage `json:"button"`
	}
	a.post(w, r, &m, func() (int, string) {
		if len(m.Button) == 0 || len(m.Button) > 3 {
			return 40016, "invalid button size"
		}
		a.menu = append(json.RawMessage(nil), a.lastBody[r.URL.Path]...)
		return 0, "ok"
	})
}

// post checks the token, decodes the body into v and answers what handle says. Sends (custom and
// template) fail first while FailSends has failures left.
func (a *API) post(w http.ResponseWriter, r *http.Request, v any, handle func() (int, string)) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.authorized(w, r) {
		return
	}
	if err != nil || json.Unmarshal(body, v) != nil {
		answer(w, 47001, "data format error")
		return
	}
	if r.URL.Path != "/cgi-bin/menu/create" && a.failN > 0 {
		a.failN--
		answer(w, a.failCode, "failure requested by the test")
		return
	}
	a.lastBody[r.URL.Path] = json.RawMessage(body)
	code, msg := handle()
	answer(w, code, msg)
}

func answer(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, map[string]any{"errcode": code, "errmsg": msg})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; encoding=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}
