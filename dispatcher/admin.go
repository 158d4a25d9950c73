package dispatcher

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Account administration (`cityhub account ...`).

// Passwords people choose are at least MinPasswordRunes characters; bcrypt reads at most 72 bytes,
// so a longer password would be silently cut, and is refused instead.
const (
	MinPasswordRunes = 10
	MaxPasswordBytes = 72
)

// GeneratePassword returns a random password (16 URL-safe characters, 96 bits).
func GeneratePassword() string { return NewSecret(12) }

// ValidatePassword checks a password a person chose.
func ValidatePassword(pw string) error {
	if n := utf8.RuneCountInString(pw); n < MinPasswordRunes {
		return FieldError("password", "密码至少 %d 个字符 (a password has at least %d characters; this one has %d)",
			MinPasswordRunes, MinPasswordRunes, n)
	}
	if len(pw) > MaxPasswordBytes {
		return FieldError("password", "密码最多 %d 字节 (a password has at most %d bytes in UTF-8)", MaxPasswordBytes, MaxPasswordBytes)
	}
	if !utf8.ValidString(pw) || strings.ContainsFunc(pw, unicode.IsControl) {
		return FieldError("password", "密码含有控制字符 (a password cannot hold control characters or line breaks)")
	}
	return nil
}

// Accounts lists every account, ordered by login.
func (s *Service) Accounts(ctx context.Context) ([]*Account, error) { return s.store.Accounts(ctx) }

// CreateAccount adds an account that does not exist yet, with a password (checked by
// ValidatePassword).
func (s *Service) CreateAccount(ctx context.Context, a *Account, password string) error {
	if err := validateAccount(a); err != nil {
		return err
	}
	if err := ValidatePassword(password); err != nil {
		return err
	}
	switch _, err := s.store.Account(ctx, a.Login); {
	case err == nil:
		return Errorf(EConflict, "账号 %s 已存在 (account %s exists already)", a.Login, a.Login)
	case ErrorCode(err) != ENotFound:
		return err
	}
	a.Disabled, a.CreatedAt = false, time.Time{}
	return s.PutAccount(ctx, a, password)
}

// SetPassword changes an account's password and revokes its tokens (a password is changed when it
// may be known to someone else: whoever signed in with it must sign in again). It returns the
// number of tokens revoked.
func (s *Service) SetPassword(ctx context.Context, login, password string) (int, error) {
	if err := ValidatePassword(password); err != nil {
		return 0, err
	}
	a, err := s.store.Account(ctx, login)
	if err != nil {
		return 0, err
	}
	if err := s.PutAccount(ctx, a, password); err != nil {
		return 0, err
	}
	return s.store.DeleteAccountTokens(ctx, login)
}

// SetAccountDisabled disables or re-enables an account and returns it. Disabling also revokes its
// tokens (returned: how many), so that nobody stays signed in with it.
func (s *Service) SetAccountDisabled(ctx context.Context, login string, disabled bool) (*Account, int, error) {
	a, err := s.store.Account(ctx, login)
	if err != nil {
		return nil, 0, err
	}
	a.Disabled = disabled
	if err := s.store.PutAccount(ctx, a); err != nil {
		return nil, 0, err
	}
	if !disabled {
		return a, 0, nil
	}
	n, err := s.store.DeleteAccountTokens(ctx, login)
	return a, n, err
}

// validateAccount checks the fields of a new account (role and unit are checked by PutAccount).
func validateAccount(a *Account) error {
	if a.Login == "" || len(a.Login) > MaxLoginLen || strings.Trim(strings.ToLower(a.Login), "abcdefghijklmnopqrstuvwxyz0123456789._-") != "" {
		return FieldError("login", "登录名须为 1 到 %d 个字母、数字、点、下划线或连字符 (a login is 1 to %d letters, digits, dots, underscores or hyphens)",
			MaxLoginLen, MaxLoginLen)
	}
	if err := checkLine("name", a.Name, MaxNameRunes, true); err != nil {
		return err
	}
	if c := a.Certificate; c != nil {
		if err := checkLine("certificate.number", c.Number, MaxCodeRunes, true); err != nil {
			return err
		}
		if _, err := time.Parse(time.DateOnly, c.ValidUntil); err != nil {
			return FieldError("certificate.valid_until", "证件有效期须为 YYYY-MM-DD 日期 (certificate.valid_until must be a date such as 2028-06-30)")
		}
		if err := checkLine("certificate.scope", c.Scope, MaxNameRunes, false); err != nil {
			return err
		}
	}
	return nil
}
