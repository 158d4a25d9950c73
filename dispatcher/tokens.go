package dispatcher

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"
)

// Bearer tokens live for a shift unless they are used, and never longer than a few days however
// much they are used:
//
//   - TokenIdle: a token not used for this long stops working (12 hours, the longest shift of the
//     command centre's rota), so a console left signed in overnight is signed out by morning;
//   - TokenMaxLifetime: no token works longer than this after it was issued (3 days), however
//     often it is used, so a stolen token that is kept busy still dies;
//   - TokenTouchInterval: a use is written to the store at most once a minute per token (and
//     instance), so that renewing costs one small write a minute per console, not one per request.
//
// An open stream does not renew its token (it only checks that the token still works): the idle
// lifetime measures whether someone is at the console.
const (
	TokenIdle          = 12 * time.Hour
	TokenMaxLifetime   = 72 * time.Hour
	TokenTouchInterval = time.Minute
)

// ID is the token's public identifier: the first 12 hex digits of its hash, as for api keys.
func (t *Token) ID() string { return t.Hash[:min(len(t.Hash), apiKeyIDDigits)] }

// renewal is when a token used at now expires: TokenIdle later, capped at its absolute end.
func (t *Token) renewal(now time.Time) time.Time {
	end := t.CreatedAt.Add(TokenMaxLifetime)
	if next := now.Add(TokenIdle); next.Before(end) {
		return next
	}
	return end
}

// CreateToken issues a bearer token for an account and returns it (shown once).
func (s *Service) CreateToken(ctx context.Context, login string) (string, error) {
	a, err := s.store.Account(ctx, login)
	if err != nil {
		return "", err
	}
	if a.Disabled {
		return "", Errorf(EForbidden, "账号已停用 (account disabled)")
	}
	tok := NewSecret(32)
	t := Token{Hash: HashSecret(tok), Login: login, CreatedAt: s.Now()}
	t.ExpiresAt = t.renewal(t.CreatedAt)
	return tok, s.store.PutToken(ctx, t)
}

// Authenticate finds the account of a bearer token, and renews the token (see TokenIdle).
func (s *Service) Authenticate(ctx context.Context, token string) (*Account, error) {
	a, t, err := s.tokenAccount(ctx, token)
	if err != nil {
		return nil, err
	}
	s.touch(ctx, t)
	return a, nil
}

// CheckToken reports whether a bearer token still works, without renewing it (for open streams).
func (s *Service) CheckToken(ctx context.Context, token string) error {
	_, _, err := s.tokenAccount(ctx, token)
	return err
}

func (s *Service) tokenAccount(ctx context.Context, token string) (*Account, *Token, error) {
	if token == "" {
		return nil, nil, Errorf(EUnauthorized, "需要登录 (a bearer token is required)")
	}
	a, t, err := s.store.TokenAccount(ctx, HashSecret(token), s.Now())
	if err != nil && ErrorCode(err) != ENotFound {
		return nil, nil, err
	}
	if err != nil || a.Disabled {
		return nil, nil, Errorf(EUnauthorized, "登录已失效，请重新登录 (invalid, expired or revoked token: sign in again)")
	}
	return a, t, nil
}

// touch records a use of the token, at most every TokenTouchInterval. A failure only costs the
// renewal, so it is logged, not returned: the request itself was authenticated.
func (s *Service) touch(ctx context.Context, t *Token) {
	now := s.Now()
	if !t.LastUsedAt.IsZero() && now.Sub(t.LastUsedAt) < TokenTouchInterval {
		return
	}
	if err := s.store.TouchToken(ctx, t.Hash, now, t.renewal(now)); err != nil && ErrorCode(err) != ENotFound {
		s.log.Warn("recording a token's use", "token", t.ID(), "err", err)
	}
}

// Logout revokes the token it is given.
func (s *Service) Logout(ctx context.Context, token string) error {
	err := s.store.DeleteToken(ctx, HashSecret(token))
	if ErrorCode(err) == ENotFound { // revoked meanwhile: the outcome is the one asked for
		return nil
	}
	return err
}

// Tokens lists the tokens that have not expired, oldest first.
func (s *Service) Tokens(ctx context.Context) ([]*Token, error) {
	toks, err := s.store.Tokens(ctx, s.Now())
	if err != nil {
		return nil, err
	}
	slices.SortFunc(toks, func(a, b *Token) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.Hash, b.Hash))
	})
	return toks, nil
}

// RevokeToken revokes the token whose id starts with id (at least 8 hex digits) and returns it.
// Every instance refuses it from the next request on (tokens are not cached); an open stream is
// closed within the stream's check interval.
func (s *Service) RevokeToken(ctx context.Context, id string) (*Token, error) {
	toks, err := s.Tokens(ctx)
	if err != nil {
		return nil, err
	}
	t, err := findByID(id, toks, func(t *Token) string { return t.Hash }, "token")
	if err != nil {
		return nil, err
	}
	return t, s.store.DeleteToken(ctx, t.Hash)
}

// RevokeAccountTokens revokes every token of an account and returns how many there were.
func (s *Service) RevokeAccountTokens(ctx context.Context, login string) (int, error) {
	if _, err := s.store.Account(ctx, login); err != nil {
		return 0, err
	}
	return s.store.DeleteAccountTokens(ctx, login)
}
