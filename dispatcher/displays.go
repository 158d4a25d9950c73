package dispatcher

import (
	"context"
	"time"
)

// Display screens (电子显示屏). A screen in the bureau's hall runs unattended for weeks, so it
// signs in with a token of its own rather than a person's account: the token reads the public
// screen (Screen) and nothing else, never expires by itself, and the admin disables it when the
// screen is retired or the token leaks. Only its SHA-256 is kept, as for api keys.

// DisplayToken is a screen's token as stored: its hash and what the admin sees of it.
type DisplayToken struct {
	Hash      string    `json:"-"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	Disabled  bool      `json:"disabled"`
}

// The admin log's actions on display tokens.
const (
	AdminDisplayCreate = "display.create"
	AdminDisplayUpdate = "display.update"
)

// AdminDisplays lists the display tokens (never the tokens themselves), oldest first.
func (s *Service) AdminDisplays(ctx context.Context, actor Actor) ([]DisplayToken, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	return s.store.DisplayTokens(ctx)
}

// AdminCreateDisplay issues a display token named name and returns it: it is shown this once.
func (s *Service) AdminCreateDisplay(ctx context.Context, actor Actor, name string) (string, DisplayToken, error) {
	if err := requireAdmin(actor); err != nil {
		return "", DisplayToken{}, err
	}
	if err := checkLine("name", name, MaxNameRunes, true); err != nil {
		return "", DisplayToken{}, err
	}
	tok := NewSecret(24)
	d := DisplayToken{Hash: HashSecret(tok), Name: name, CreatedAt: s.Now()}
	w := AdminWrite{Display: &d, DisplayCreate: true, Entry: s.adminEntry(actor, AdminDisplayCreate, name, nil, d)}
	if _, err := s.store.WriteAdmin(ctx, w); err != nil {
		return "", DisplayToken{}, err
	}
	return tok, d, nil
}

// AdminSetDisplayDisabled disables or re-enables the display token named name. Every request of
// the screen checks its token in the store, so a disabled token is refused at once everywhere,
// and its open stream is closed within DisplayRecheck.
func (s *Service) AdminSetDisplayDisabled(ctx context.Context, actor Actor, name string, disabled bool) (DisplayToken, error) {
	if err := requireAdmin(actor); err != nil {
		return DisplayToken{}, err
	}
	d, err := s.displayNamed(ctx, name)
	if err != nil || d.Disabled == disabled {
		return d, err
	}
	before := d
	d.Disabled = disabled
	w := AdminWrite{Display: &d, Entry: s.adminEntry(actor, AdminDisplayUpdate, name, before, d)}
	if _, err := s.store.WriteAdmin(ctx, w); err != nil {
		return DisplayToken{}, err
	}
	return d, nil
}

func (s *Service) displayNamed(ctx context.Context, name string) (DisplayToken, error) {
	all, err := s.store.DisplayTokens(ctx)
	if err != nil {
		return DisplayToken{}, err
	}
	for _, d := range all {
		if d.Name == name {
			return d, nil
		}
	}
	return DisplayToken{}, Errorf(ENotFound, "没有名为 %q 的显示屏 (no display named %q)", name, name)
}

// DisplayRecheck is how often an open screen stream checks that its token is still enabled.
const DisplayRecheck = time.Minute

// CheckDisplay returns the display of a token, or EUnauthorized if it is unknown or disabled.
func (s *Service) CheckDisplay(ctx context.Context, token string) (DisplayToken, error) {
	refused := Errorf(EUnauthorized, "显示屏令牌无效或已停用 (the display token is unknown or disabled)")
	if token == "" {
		return DisplayToken{}, refused
	}
	d, err := s.store.DisplayToken(ctx, HashSecret(token))
	if ErrorCode(err) == ENotFound || err == nil && d.Disabled {
		return DisplayToken{}, refused
	}
	return d, err
}
