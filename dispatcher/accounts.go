package dispatcher

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// TokenLifetime is how long a bearer token is valid.
const TokenLifetime = 30 * 24 * time.Hour

// NewSecret returns a random URL-safe secret (tokens, api keys, generated passwords).
func NewSecret(bytes int) string {
	b := make([]byte, bytes)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashSecret is how tokens and api keys are kept: SHA-256, hex. They are long random strings,
// so a fast hash is enough; passwords use bcrypt instead.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// HashPassword hashes a password with bcrypt.
func HashPassword(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	return string(h), err
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
	now := s.Now()
	err = s.store.PutToken(ctx, Token{Hash: HashSecret(tok), Login: login, CreatedAt: now, ExpiresAt: now.Add(TokenLifetime)})
	return tok, err
}

// Login checks a password and issues a token.
func (s *Service) Login(ctx context.Context, login, password string) (string, *Account, error) {
	a, err := s.store.Account(ctx, login)
	if err != nil && ErrorCode(err) != ENotFound {
		return "", nil, err
	}
	if err != nil || a.Disabled || a.PasswordHash == "" ||
		bcrypt.CompareHashAndPassword([]byte(a.PasswordHash), []byte(password)) != nil {
		return "", nil, Errorf(EUnauthorized, "账号或密码错误 (wrong login or password)")
	}
	tok, err := s.CreateToken(ctx, login)
	return tok, a, err
}

// Authenticate finds the account of a bearer token.
func (s *Service) Authenticate(ctx context.Context, token string) (*Account, error) {
	if token == "" {
		return nil, Errorf(EUnauthorized, "需要登录 (a bearer token is required)")
	}
	a, err := s.store.TokenAccount(ctx, HashSecret(token), s.Now())
	if err != nil && ErrorCode(err) != ENotFound {
		return nil, err
	}
	if err != nil || a.Disabled {
		return nil, Errorf(EUnauthorized, "登录已失效，请重新登录 (invalid or expired token)")
	}
	return a, nil
}

// CreateAPIKey issues an Open311 api key and returns it (shown once).
func (s *Service) CreateAPIKey(ctx context.Context, name string) (string, error) {
	if name == "" {
		return "", FieldError("name", "api key needs a name")
	}
	key := NewSecret(24)
	return key, s.store.PutAPIKey(ctx, APIKey{Hash: HashSecret(key), Name: name, CreatedAt: s.Now()})
}

// CheckAPIKey returns the api key record of an Open311 client.
func (s *Service) CheckAPIKey(ctx context.Context, key string) (*APIKey, error) {
	if key == "" {
		return nil, &Error{Code: EForbidden, Field: "api_key", Message: "api_key is required"}
	}
	hash := HashSecret(key)
	if k, ok := s.apiKeys.get(hash, s.Now()); ok {
		return k, nil
	}
	k, err := s.store.APIKey(ctx, hash)
	if err != nil && ErrorCode(err) != ENotFound {
		return nil, err // the store is down: not the client's fault
	}
	if err != nil || k.Disabled {
		return nil, &Error{Code: EForbidden, Field: "api_key", Message: "invalid api_key"}
	}
	s.apiKeys.put(k, s.Now())
	return k, nil
}

// PutAccount creates or replaces an account (import, admin). A password, if given, is hashed.
func (s *Service) PutAccount(ctx context.Context, a *Account, password string) error {
	if !a.Role.Valid() || a.Role == System {
		return FieldError("role", "unknown role %q", a.Role)
	}
	if _, ok := s.Unit(a.Unit); !ok {
		return FieldError("unit", "unknown unit %q", a.Unit)
	}
	if password != "" {
		h, err := HashPassword(password)
		if err != nil {
			return err
		}
		a.PasswordHash = h
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = s.Now()
	}
	return s.store.PutAccount(ctx, a)
}
