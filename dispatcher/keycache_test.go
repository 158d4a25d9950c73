package dispatcher_test

import (
	"strings"
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

// TestDisabledAPIKeyRefusedAtOnce: a key this instance trusts from its cache is refused at once
// when it is disabled through the service, and works again at once when re-enabled.
func TestDisabledAPIKeyRefusedAtOnce(t *testing.T) {
	f := newFixture(t, false)
	key, err := f.svc.CreateAPIKey(f.ctx, "城市服务平台")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CheckAPIKey(f.ctx, key); err != nil { // now cached
		t.Fatalf("CheckAPIKey of a new key: %v", err)
	}
	id := dispatcher.HashSecret(key)[:12]
	k, err := f.svc.SetAPIKeyDisabled(f.ctx, id[:8], true)
	if err != nil {
		t.Fatalf("disable by an 8-digit prefix: %v", err)
	}
	if !k.Disabled || k.ID() != id || k.Name != "城市服务平台" {
		t.Errorf("disable returned %+v (id %s), want the disabled key %s", k, k.ID(), id)
	}
	if _, err := f.svc.CheckAPIKey(f.ctx, key); dispatcher.ErrorCode(err) != dispatcher.EForbidden {
		t.Fatalf("CheckAPIKey right after disabling: %v; want %s", err, dispatcher.EForbidden)
	}
	if stored, err := f.store.APIKey(f.ctx, dispatcher.HashSecret(key)); err != nil || !stored.Disabled {
		t.Fatalf("stored key after disabling: %+v, %v", stored, err)
	}
	if _, err := f.svc.SetAPIKeyDisabled(f.ctx, strings.ToUpper(id), false); err != nil {
		t.Fatalf("enable by the full id in capitals: %v", err)
	}
	if _, err := f.svc.CheckAPIKey(f.ctx, key); err != nil {
		t.Fatalf("CheckAPIKey after enabling again: %v", err)
	}
}

// TestAPIKeyIDMustNameOneKey: an id that is too short, not hex, unknown or shared by several keys
// changes nothing.
func TestAPIKeyIDMustNameOneKey(t *testing.T) {
	f := newFixture(t, false)
	twins := []string{"abcdef01" + strings.Repeat("2", 56), "abcdef01" + strings.Repeat("3", 56)}
	for _, h := range twins {
		if err := f.store.PutAPIKey(f.ctx, dispatcher.APIKey{Hash: h, Name: "twin", CreatedAt: f.clock.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ id, code, says string }{
		{"abcdef0", dispatcher.EInvalid, "at least 8 hex digits"},
		{"abcdef0g", dispatcher.EInvalid, "at least 8 hex digits"},
		{"12345678", dispatcher.ENotFound, "no api key with id 12345678"},
		{"abcdef01", dispatcher.EInvalid, "abcdef012222, abcdef013333"},
	} {
		_, err := f.svc.SetAPIKeyDisabled(f.ctx, tc.id, true)
		if dispatcher.ErrorCode(err) != tc.code || !strings.Contains(dispatcher.ErrorMessage(err), tc.says) {
			t.Errorf("disable %q: %v; want %s saying %q", tc.id, err, tc.code, tc.says)
		}
	}
	for _, h := range twins {
		if k, err := f.store.APIKey(f.ctx, h); err != nil || k.Disabled {
			t.Errorf("key %s after refused disables: %+v, %v", h[:12], k, err)
		}
	}
	if k, err := f.svc.SetAPIKeyDisabled(f.ctx, "abcdef0133", true); err != nil || k.Hash != twins[1] {
		t.Errorf("disable by a longer prefix: %+v, %v", k, err)
	}
}

// TestAPIKeysOldestFirst: the service lists keys by creation time, whatever order the store uses.
func TestAPIKeysOldestFirst(t *testing.T) {
	f := newFixture(t, false)
	for i, h := range []string{"ff", "00", "88"} {
		k := dispatcher.APIKey{Hash: strings.Repeat(h, 32), Name: h, CreatedAt: f.clock.Now().Add(time.Duration(i) * time.Hour)}
		if err := f.store.PutAPIKey(f.ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := f.svc.APIKeys(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, k := range keys {
		names = append(names, k.Name)
	}
	if got := strings.Join(names, " "); got != "ff 00 88" {
		t.Errorf("APIKeys in the order %s, want ff 00 88", got)
	}
}
