package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"cityhub/dispatcher"
	"cityhub/internal/teststore"
)

// syncBuffer is a log sink shared by the hub's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A hub started with --demo on a store that already holds the demo data says so, and that
// CITYHUB_DEMO_PASSWORD was not applied; the accounts keep their password.
func TestDemoPasswordNotAppliedIsSaid(t *testing.T) {
	dsn := ""
	if teststore.Kind() == "postgres" {
		dsn = teststore.DSN(t)
	}
	dir := t.TempDir()
	start := func(password string) (*Main, string, string) {
		var out bytes.Buffer
		var log syncBuffer
		m := &Main{Config: Config{Addr: "127.0.0.1:0", DataDir: dir, DB: dsn, Demo: true, DemoPassword: password},
			Out: &out, Log: slog.New(slog.NewTextHandler(&log, nil))}
		if err := m.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		return m, out.String(), log.String()
	}
	m, out, _ := start("first-password")
	if !strings.Contains(out, "demo data loaded") {
		t.Errorf("first start printed %q", out)
	}
	m.Close()

	m, out, log := start("second-password")
	defer m.Close()
	if !strings.Contains(log, "CITYHUB_DEMO_PASSWORD was NOT applied") || !strings.Contains(log, "cityhub account passwd --login") {
		t.Errorf("second start with another CITYHUB_DEMO_PASSWORD logged:\n%s\nwant that it was not applied and how to change a password", log)
	}
	if strings.Contains(out, "demo data loaded") {
		t.Errorf("second start printed %q", out)
	}
	if _, _, err := m.svc.Login(context.Background(), "op1", "second-password"); err == nil {
		t.Error("the second password signs in")
	}
	if _, _, err := m.svc.Login(context.Background(), "op1", "first-password"); err != nil {
		t.Errorf("the first password no longer signs in: %v", err)
	}
}

// withPasswordInput runs fn with passwordInput reading text.
func withPasswordInput(text string, fn func()) {
	saved := passwordInput
	passwordInput = strings.NewReader(text)
	defer func() { passwordInput = saved }()
	fn()
}

// The account commands an admin needs: create (password from stdin), list, passwd (generated
// and printed, the account's tokens revoked), disable (tokens revoked, sign-in refused) and
// enable; an import does not re-enable a disabled account.
func TestAccountCommands(t *testing.T) {
	h := startHub(t)
	withPasswordInput("correct horse battery\n", func() {
		out := h.cli(t, "account", "create", "--login", "gn-9", "--name", "执法队员九", "--role", "officer",
			"--unit", "QJ-GN-DD", "--cert-number", "渝执 0099999", "--cert-valid-until", "2028-06-30")
		if out != "" {
			t.Errorf("account create printed %q, want nothing", out)
		}
	})
	var me dispatcher.Account
	h.do("GET", "/api/v1/me", h.signInAs("gn-9", "correct horse battery"), nil, 200, &me)
	if me.Role != dispatcher.Officer || me.Unit != "QJ-GN-DD" || me.Certificate == nil || me.Certificate.Number != "渝执 0099999" {
		t.Errorf("created account %+v", me)
	}
	withPasswordInput("another password\n", func() {
		if _, err := h.run("account", "create", "--login", "gn-9", "--name", "x", "--role", "officer", "--unit", "QJ-GN-DD"); dispatcher.ErrorCode(err) != dispatcher.EConflict {
			t.Errorf("creating gn-9 again: %v, want conflict", err)
		}
	})
	for _, bad := range [][]string{
		{"--role", "king", "--unit", "QJ-GN-DD"}, {"--role", "officer", "--unit", "NOPE"},
	} {
		withPasswordInput("long enough password\n", func() {
			args := append([]string{"account", "create", "--login", "gn-10", "--name", "十"}, bad...)
			if _, err := h.run(args...); dispatcher.ErrorCode(err) != dispatcher.EInvalid {
				t.Errorf("%q: %v, want invalid", args, err)
			}
		})
	}
	withPasswordInput("short\n", func() {
		if _, err := h.run("account", "passwd", "--login", "gn-9"); dispatcher.ErrorCode(err) != dispatcher.EInvalid {
			t.Errorf("a 5-character password: %v, want invalid", err)
		}
	})

	list := h.cli(t, "account", "list")
	if !strings.HasPrefix(strings.Join(strings.Fields(strings.SplitN(list, "\n", 2)[0]), " "), "LOGIN ROLE UNIT STATUS CREATED NAME") ||
		!strings.Contains(list, "gn-9") || !strings.Contains(list, "执法队员九") {
		t.Errorf("account list:\n%s", list)
	}

	old := h.signInAs("gn-9", "correct horse battery")
	pw := strings.TrimSuffix(h.cli(t, "account", "passwd", "--login", "gn-9", "--generate"), "\n")
	if len(pw) < dispatcher.MinPasswordRunes || strings.ContainsAny(pw, " \n") {
		t.Fatalf("account passwd --generate printed %q, want only a password", pw)
	}
	h.do("GET", "/api/v1/me", old, nil, 401, nil)
	tok := h.signInAs("gn-9", pw)

	if out := h.cli(t, "account", "disable", "gn-9"); !strings.Contains(out, "disabled account gn-9") || !strings.Contains(out, "1 tokens revoked") {
		t.Errorf("account disable printed %q", out)
	}
	h.do("GET", "/api/v1/me", tok, nil, 401, nil)
	if status, _, _ := h.signIn("", "gn-9", pw); status != http.StatusUnauthorized {
		t.Errorf("signing in to a disabled account: %d", status)
	}
	h.cli(t, "account", "disable", "gn-1")
	h.cli(t, "import", "../../refdata/qijiang")
	if a, err := h.m.store.Account(context.Background(), "gn-1"); err != nil || !a.Disabled {
		t.Errorf("after an import gn-1 is %+v, %v; want still disabled", a, err)
	}
	if out := h.cli(t, "account", "enable", "gn-9"); !strings.Contains(out, "enabled account gn-9") {
		t.Errorf("account enable printed %q", out)
	}
	h.signInAs("gn-9", pw)

	if _, err := h.run("account", "disable", "nobody"); dispatcher.ErrorCode(err) != dispatcher.ENotFound {
		t.Errorf("disabling an unknown login: %v", err)
	}
	for _, args := range [][]string{{"account"}, {"account", "remove"}, {"account", "passwd"}, {"account", "disable"},
		{"account", "create", "--login", "x"}, {"account", "list", "x"}} {
		var ue usageError
		if err := run(context.Background(), args, io.Discard, io.Discard); !errors.As(err, &ue) {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
}

// signInAs signs in with a password and returns the token.
func (h *hub) signInAs(login, password string) string {
	h.t.Helper()
	status, _, tok := h.signIn("", login, password)
	if status != http.StatusOK {
		h.t.Fatalf("sign-in of %s: %d", login, status)
	}
	return tok
}
