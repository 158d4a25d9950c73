package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"cityhub/dispatcher"
	"cityhub/web/proxy"
	"cityhub/web/stream"
)

// behindProxy is a hub that believes X-Forwarded-For from 127.0.0.1, the tests' own address.
func behindProxy(t *testing.T) *hub {
	trusted, err := proxy.Parse("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return startHubWith(t, func(c *Config) { c.TrustedProxies = trusted })
}

// signIn tries a sign-in from the client address (sent as X-Forwarded-For; "" sends none) and
// returns the status, the Retry-After header and the token.
func (h *hub) signIn(from, login, password string) (int, string, string) {
	h.t.Helper()
	body, _ := json.Marshal(map[string]string{"login": login, "password": password})
	req, _ := http.NewRequest("POST", h.base+"/api/v1/login", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if from != "" {
		req.Header.Set("X-Forwarded-For", from)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Token string }
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, resp.Header.Get("Retry-After"), out.Token
}

// Someone guessing op1's password from one address is slowed down (429 with Retry-After), while
// op1 signs in from another address at once: the failures of one address cannot lock the
// rightful user out. The guesser is refused even with the right password while it waits.
func TestSignInGuessingCannotLockOutTheUser(t *testing.T) {
	h := behindProxy(t)
	const attacker, user = "203.0.113.7", "198.51.100.2"
	refused := 0
	for i := range 12 {
		status, retry, _ := h.signIn(attacker, "op1", "guess-"+strconv.Itoa(i))
		switch status {
		case http.StatusUnauthorized:
		case http.StatusTooManyRequests:
			if n, err := strconv.Atoi(retry); err != nil || n < 1 {
				t.Fatalf("429 with Retry-After %q, want whole seconds", retry)
			}
			refused++
		default:
			t.Fatalf("guess %d: status %d", i+1, status)
		}
	}
	if refused == 0 {
		t.Fatal("12 wrong passwords in a row from one address were never slowed down")
	}
	if status, _, _ := h.signIn(attacker, "op1", "secret-pw"); status != http.StatusTooManyRequests {
		t.Errorf("the guesser with the right password while waiting: %d, want 429", status)
	}
	if status, _, tok := h.signIn(user, "op1", "secret-pw"); status != http.StatusOK || tok == "" {
		t.Fatalf("op1 from its own address after the guessing: %d, want 200", status)
	}
}

// Only failures count, and a success resets the login's failures from that address.
func TestSignInCountsFailuresOnly(t *testing.T) {
	h := startHub(t)
	for i := range 15 {
		if status, _, _ := h.signIn("", "op1", "secret-pw"); status != http.StatusOK {
			t.Fatalf("sign-in %d of 15 with the right password: %d", i+1, status)
		}
	}
	for round := range 3 {
		for i := range 5 {
			if status, _, _ := h.signIn("", "op1", "typo"); status != http.StatusUnauthorized {
				t.Fatalf("round %d, typo %d: %d, want 401 (the failures before the last success are forgotten)", round, i+1, status)
			}
		}
		if status, _, _ := h.signIn("", "op1", "secret-pw"); status != http.StatusOK {
			t.Fatalf("round %d: the right password after 5 typos: %d", round, status)
		}
	}
}

// One address trying many logins is slowed down for every login, new ones included; other
// addresses are not.
func TestSignInThrottlesAnAddressAcrossLogins(t *testing.T) {
	h := behindProxy(t)
	const sprayer = "203.0.113.9"
	var last int
	for i := range 32 {
		last, _, _ = h.signIn(sprayer, "user"+strconv.Itoa(i), "password")
	}
	if last != http.StatusTooManyRequests {
		t.Fatalf("the 32nd login tried from one address: %d, want 429", last)
	}
	if status, _, _ := h.signIn(sprayer, "op1", "secret-pw"); status != http.StatusTooManyRequests {
		t.Errorf("a real login from the spraying address: %d, want 429", status)
	}
	if status, _, _ := h.signIn("198.51.100.3", "op1", "secret-pw"); status != http.StatusOK {
		t.Errorf("op1 from another address: %d, want 200", status)
	}
}

// Without trusted proxies X-Forwarded-For is not believed: a guesser cannot dodge the back-off
// by inventing an address for each attempt.
func TestSignInIgnoresForwardedForFromStrangers(t *testing.T) {
	h := startHub(t)
	var last int
	for i := range 8 {
		last, _, _ = h.signIn("192.0.2."+strconv.Itoa(i+1), "op1", "guess")
	}
	if last != http.StatusTooManyRequests {
		t.Fatalf("8 guesses with invented X-Forwarded-For: the last answered %d, want 429", last)
	}
}

// Attempts sent together cannot all slip through before any has failed: of 30 at once, no more
// than the free ones and one more are checked.
func TestSignInConcurrentGuessesAreCounted(t *testing.T) {
	h := startHub(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	checked := 0
	for range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, _, _ := h.signIn("", "op1", "guess")
			mu.Lock()
			defer mu.Unlock()
			if status == http.StatusUnauthorized {
				checked++
			}
		}()
	}
	wg.Wait()
	if checked > 6 {
		t.Fatalf("%d of 30 concurrent guesses were checked, want at most 6", checked)
	}
}

// POST /api/v1/logout revokes the token it is called with, and only that one.
func TestLogoutRevokesTheToken(t *testing.T) {
	h := startHub(t)
	tok, other := h.login("op1"), h.login("op1")
	h.do("GET", "/api/v1/me", tok, nil, 200, nil)
	h.do("POST", "/api/v1/logout", tok, nil, 204, nil)
	h.do("GET", "/api/v1/me", tok, nil, 401, nil)
	h.do("POST", "/api/v1/logout", tok, nil, 401, nil)
	h.do("GET", "/api/v1/me", other, nil, 200, nil)
}

// access_token in the query is accepted by the stream only.
func TestAccessTokenOnlyOnTheStream(t *testing.T) {
	h := startHub(t)
	tok := h.login("op1")
	var p struct{ Detail string }
	h.do("GET", "/api/v1/me?access_token="+url.QueryEscape(tok), "", nil, 401, &p)
	if !strings.Contains(p.Detail, "/api/v1/stream") {
		t.Errorf("refusal %q does not say where access_token is accepted", p.Detail)
	}
	h.do("GET", "/api/v1/cases?access_token="+url.QueryEscape(tok), "", nil, 401, nil)
	conn := h.stream(tok, 0)
	readUntil(t, conn, stream.TypeLive)
}

// An open stream is closed with CloseUnauthorized once its token is revoked (by logout, by
// `token revoke`) or its account disabled.
func TestStreamClosedWhenItsTokenEnds(t *testing.T) {
	h := startHubWith(t, func(c *Config) { c.StreamCheckInterval = 50 * time.Millisecond })
	for _, end := range []struct {
		name string
		fn   func(tok string)
	}{
		{"logout", func(tok string) { h.do("POST", "/api/v1/logout", tok, nil, 204, nil) }},
		{"token revoke", func(tok string) { h.cli(t, "token", "revoke", dispatcher.HashSecret(tok)[:12]) }},
		{"account disable", func(string) { h.cli(t, "account", "disable", "disp1") }},
	} {
		tok := h.login("disp1")
		conn := h.stream(tok, 0)
		readUntil(t, conn, stream.TypeLive)
		end.fn(tok)
		if code, text := closeCode(t, conn); code != stream.CloseUnauthorized {
			t.Errorf("%s: stream closed with %d %q, want %d", end.name, code, text, stream.CloseUnauthorized)
		}
	}
}

// closeCode reads until the stream is closed and returns the close code and reason.
func closeCode(t *testing.T, conn *websocket.Conn) (int, string) {
	t.Helper()
	for {
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, _, err := conn.ReadMessage(); err != nil {
			var ce *websocket.CloseError
			if !errors.As(err, &ce) {
				t.Fatalf("stream ended with %v, want a close frame", err)
			}
			return ce.Code, ce.Text
		}
	}
}

// A stream resumed after an id beyond the log's end is closed with CloseBeyondEnd, not left deaf.
func TestStreamResumedBeyondTheEnd(t *testing.T) {
	h := startHub(t)
	tok := h.login("disp1")
	code, text := closeCode(t, h.stream(tok, 1_000_000))
	if code != stream.CloseBeyondEnd || !strings.Contains(text, "since=1000000") {
		t.Fatalf("stream since=1000000 on an empty log: closed %d %q, want %d naming since", code, text, stream.CloseBeyondEnd)
	}
}

// `token list` shows the live tokens (id, login, times); `token revoke` ends one by its id, or
// every token of a login.
func TestTokenListAndRevoke(t *testing.T) {
	h := startHub(t)
	a, b, c := h.login("op1"), h.login("op1"), h.login("gn-lead")
	h.do("GET", "/api/v1/me", a, nil, 200, nil)
	list := h.cli(t, "token", "list")
	lines := strings.Split(strings.TrimSpace(list), "\n")
	if strings.Join(strings.Fields(lines[0]), " ") != "ID LOGIN CREATED EXPIRES LAST-USED" || len(lines) != 4 {
		t.Fatalf("token list:\n%s", list)
	}
	for _, line := range lines[1:] {
		f := strings.Fields(line)
		if len(f) != 5 || len(f[0]) != 12 {
			t.Fatalf("token list line %q", line)
		}
		for _, ts := range f[2:4] {
			if _, err := time.Parse(time.RFC3339, ts); err != nil {
				t.Errorf("token list time %q: %v", ts, err)
			}
		}
		if id := dispatcher.HashSecret(a)[:12]; f[0] == id && f[4] == "-" {
			t.Errorf("token list shows the used token %s as never used: %q", id, line)
		}
	}
	if only := h.cli(t, "token", "list", "--login", "gn-lead"); strings.Count(only, "\n") != 2 || !strings.Contains(only, dispatcher.HashSecret(c)[:12]) {
		t.Errorf("token list --login gn-lead:\n%s", only)
	}

	id := dispatcher.HashSecret(a)[:12]
	if out := h.cli(t, "token", "revoke", id[:8]); out != "revoked token "+id+" (op1)\n" {
		t.Errorf("token revoke printed %q", out)
	}
	h.do("GET", "/api/v1/me", a, nil, 401, nil)
	h.do("GET", "/api/v1/me", b, nil, 200, nil)
	if out := h.cli(t, "token", "revoke", "--login", "op1"); out != "revoked 1 tokens of op1\n" {
		t.Errorf("token revoke --login printed %q", out)
	}
	h.do("GET", "/api/v1/me", b, nil, 401, nil)
	h.do("GET", "/api/v1/me", c, nil, 200, nil)
	if _, err := h.run("token", "revoke", id); dispatcher.ErrorCode(err) != dispatcher.ENotFound {
		t.Errorf("revoking a revoked token: %v", err)
	}
	for _, args := range [][]string{{"token", "revoke"}, {"token", "revoke", id, "--login", "op1"}, {"token", "list", "x"}} {
		var ue usageError
		if err := run(context.Background(), args, io.Discard, io.Discard); !errors.As(err, &ue) {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
}
