package dispatcher_test

import (
	"testing"
	"time"

	"cityhub/dispatcher"
)

// TestAPIKeyRemembered: an api key read from the store is trusted for a while without asking the
// store again, so a key disabled in the store is refused once that while is over (and not before
// it has been read again); an unknown key is asked for every time, so a key created elsewhere
// works at once.
func TestAPIKeyRemembered(t *testing.T) {
	f := newFixture(t, false)
	key, err := f.svc.CreateAPIKey(f.ctx, "城市服务平台")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CheckAPIKey(f.ctx, key); err != nil {
		t.Fatalf("CheckAPIKey of a new key: %v", err)
	}
	stored, err := f.store.APIKey(f.ctx, dispatcher.HashSecret(key))
	if err != nil {
		t.Fatal(err)
	}
	stored.Disabled = true
	if err := f.store.PutAPIKey(f.ctx, *stored); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(5 * time.Second)
	if _, err := f.svc.CheckAPIKey(f.ctx, key); err != nil {
		t.Fatalf("CheckAPIKey 5 s after it was read (disabled in the store since): %v; want it still trusted", err)
	}
	f.clock.Add(6 * time.Second)
	if _, err := f.svc.CheckAPIKey(f.ctx, key); dispatcher.ErrorCode(err) != dispatcher.EForbidden {
		t.Fatalf("CheckAPIKey 11 s after it was read, disabled: %v; want %s", err, dispatcher.EForbidden)
	}

	unknown := "k-not-yet-issued"
	if _, err := f.svc.CheckAPIKey(f.ctx, unknown); dispatcher.ErrorCode(err) != dispatcher.EForbidden {
		t.Fatalf("CheckAPIKey of an unknown key: %v", err)
	}
	err = f.store.PutAPIKey(f.ctx, dispatcher.APIKey{Hash: dispatcher.HashSecret(unknown), Name: "new", CreatedAt: f.clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CheckAPIKey(f.ctx, unknown); err != nil {
		t.Fatalf("CheckAPIKey of a key created since it was refused: %v", err)
	}
}
