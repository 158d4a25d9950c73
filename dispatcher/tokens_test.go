package dispatcher_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"cityhub/dispatcher"
)

// Every refused sign-in costs one bcrypt comparison at the accounts' cost, so that an unknown,
// disabled or password-less login is answered in the time of a wrong password.
func TestLoginComparesEveryRefusal(t *testing.T) {
	f := newFixture(t, false)
	if err := f.svc.PutAccount(f.ctx, &dispatcher.Account{Login: "op9", Name: "受理员九", Role: dispatcher.Operator, Unit: "CMD"}, "right-password"); err != nil {
		t.Fatal(err)
	}
	real, err := f.store.Account(f.ctx, "op9")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.SetAccountDisabled(f.ctx, "lead1", true); err != nil {
		t.Fatal(err)
	}
	costs, restore := dispatcher.CountPasswordChecks()
	defer restore()
	for _, login := range []string{"op9", "nobody", "op1", "lead1"} { // wrong password, unknown, no password, disabled
		*costs = (*costs)[:0]
		if _, _, err := f.svc.Login(f.ctx, login, "wrong-password"); dispatcher.ErrorCode(err) != dispatcher.EUnauthorized {
			t.Fatalf("login %s: %v, want unauthorized", login, err)
		}
		if len(*costs) != 1 || (*costs)[0] != cost(t, real.PasswordHash) {
			t.Errorf("login %s compared %d hashes of costs %v; want one of cost %d, as for a wrong password",
				login, len(*costs), *costs, cost(t, real.PasswordHash))
		}
	}
}

func cost(t *testing.T, hash string) int {
	t.Helper()
	c, err := bcrypt.Cost([]byte(hash))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// countingStore counts the uses of tokens written to the store.
type countingStore struct {
	dispatcher.Store
	touches atomic.Int64
}

func (s *countingStore) TouchToken(ctx context.Context, hash string, usedAt, expiresAt time.Time) error {
	s.touches.Add(1)
	return s.Store.TouchToken(ctx, hash, usedAt, expiresAt)
}

// A token lives 12 hours (TokenIdle) after its last use, renewed at most once a minute, and never
// past 72 hours (TokenMaxLifetime); an unused token expires after 12 hours. (The figures are the
// README's.)
func TestTokenIdleLifetimeAndCap(t *testing.T) {
	f := newFixture(t, false)
	store := &countingStore{Store: f.store}
	ref, router := qijiang(t)
	svc, err := dispatcher.NewService(dispatcher.Config{Store: store, Router: router, Reference: ref, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	issued := f.clock.Now()

	unused, err := svc.CreateToken(ctx, "op1")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := svc.CreateToken(ctx, "op1")
	if err != nil {
		t.Fatal(err)
	}
	use := func(what string, token string, ok bool) {
		t.Helper()
		_, err := svc.Authenticate(ctx, token)
		if ok && err != nil || !ok && dispatcher.ErrorCode(err) != dispatcher.EUnauthorized {
			t.Fatalf("%s at +%s: %v (want ok %v)", what, f.clock.Now().Sub(issued), err, ok)
		}
	}

	// Used every 11 hours: alive until the cap, each use written once however often it comes.
	for f.clock.Now().Add(11 * time.Hour).Before(issued.Add(dispatcher.TokenMaxLifetime)) {
		f.clock.Add(11 * time.Hour)
		before := store.touches.Load()
		for range 5 {
			use("a token used within its idle lifetime", tok, true)
			f.clock.Add(time.Second)
		}
		if n := store.touches.Load() - before; n != 1 {
			t.Fatalf("5 uses within a minute wrote %d times, want 1", n)
		}
	}
	f.clock.Set(issued.Add(72*time.Hour - time.Minute))
	use("a token used just before its cap", tok, true)
	f.clock.Set(issued.Add(72*time.Hour + time.Second))
	use("a token past its cap, however busy", tok, false)
	use("a token not used for its idle lifetime", unused, false)

	// Unused, a token dies after TokenIdle.
	fresh, err := svc.CreateToken(ctx, "op1")
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Add(12*time.Hour - time.Minute)
	if err := svc.CheckToken(ctx, fresh); err != nil { // a check does not renew
		t.Fatal(err)
	}
	f.clock.Add(2 * time.Minute)
	use("a token checked but not used for its idle lifetime", fresh, false)
}

// Logout, revocation by id and by login, and disabling an account end tokens at once.
func TestTokensRevoked(t *testing.T) {
	f := newFixture(t, false)
	ctx := f.ctx
	issue := func(login string) string {
		t.Helper()
		tok, err := f.svc.CreateToken(ctx, login)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	works := func(tok string) bool { _, err := f.svc.Authenticate(ctx, tok); return err == nil }
	a, b, c, d := issue("op1"), issue("op1"), issue("op2"), issue("gn-lead")

	if err := f.svc.Logout(ctx, a); err != nil || works(a) || !works(b) {
		t.Fatalf("after logout of a: %v; a works %v, b works %v", err, works(a), works(b))
	}
	toks, err := f.svc.Tokens(ctx)
	if err != nil || len(toks) != 3 {
		t.Fatalf("Tokens: %d, %v; want 3", len(toks), err)
	}
	id := dispatcher.HashSecret(c)[:12]
	if got, err := f.svc.RevokeToken(ctx, id[:8]); err != nil || got.ID() != id || works(c) {
		t.Fatalf("RevokeToken(%s): %v, %v; c works %v", id[:8], got, err, works(c))
	}
	if _, err := f.svc.RevokeToken(ctx, id); dispatcher.ErrorCode(err) != dispatcher.ENotFound {
		t.Fatalf("RevokeToken of a revoked token: %v", err)
	}
	if n, err := f.svc.RevokeAccountTokens(ctx, "op1"); err != nil || n != 1 || works(b) {
		t.Fatalf("RevokeAccountTokens(op1): %d, %v; b works %v", n, err, works(b))
	}
	if _, err := f.svc.RevokeAccountTokens(ctx, "nobody"); dispatcher.ErrorCode(err) != dispatcher.ENotFound {
		t.Fatalf("RevokeAccountTokens of an unknown login: %v", err)
	}
	if _, n, err := f.svc.SetAccountDisabled(ctx, "gn-lead", true); err != nil || n != 1 || works(d) {
		t.Fatalf("disabling gn-lead: %d, %v; d works %v", n, err, works(d))
	}
	if _, _, err := f.svc.SetAccountDisabled(ctx, "gn-lead", false); err != nil || works(d) {
		t.Fatalf("re-enabling gn-lead brought its token back (%v)", err)
	}
}
