package dispatcher

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"strings"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

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

// PasswordCost is the bcrypt cost of the passwords the hub hashes (and of the dummy hash it
// compares unknown logins with). Tests that sign in hundreds of times lower it, since under the
// race detector one comparison at the default cost takes most of a second; the hub never does.
var PasswordCost = bcrypt.DefaultCost

// HashPassword hashes a password with bcrypt.
func HashPassword(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), PasswordCost)
	return string(h), err
}

// Login checks a password and issues a token. Every refusal costs one bcrypt comparison, against
// a hash of the same cost as the accounts' when the login is unknown, disabled or has no password,
// so that the time of the answer does not tell those apart from a wrong password.
func (s *Service) Login(ctx context.Context, login, password string) (string, *Account, error) {
	a, err := s.store.Account(ctx, login)
	if err != nil && ErrorCode(err) != ENotFound {
		return "", nil, err
	}
	usable := err == nil && !a.Disabled && a.PasswordHash != ""
	hash := dummyHash()
	if usable {
		hash = []byte(a.PasswordHash)
	}
	if matches := comparePassword(hash, []byte(password)) == nil; !usable || !matches {
		return "", nil, Errorf(EUnauthorized, "账号或密码错误 (wrong login or password)")
	}
	tok, err := s.CreateToken(ctx, login)
	return tok, a, err
}

// comparePassword is bcrypt's comparison (a variable so that a test can count the comparisons).
var comparePassword = bcrypt.CompareHashAndPassword

// dummyHash is compared with the password given for a login that cannot sign in.
var dummyHash = sync.OnceValue(func() []byte {
	h, err := bcrypt.GenerateFromPassword([]byte("cityhub: no such account"), PasswordCost)
	if err != nil {
		panic("bcrypt failed: " + err.Error())
	}
	return h
})

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
	generation := s.apiKeys.generation()
	k, err := s.store.APIKey(ctx, hash)
	if err != nil && ErrorCode(err) != ENotFound {
		return nil, err // the store is down: not the client's fault
	}
	if err != nil || k.Disabled {
		return nil, &Error{Code: EForbidden, Field: "api_key", Message: "invalid api_key"}
	}
	s.apiKeys.put(k, generation, s.Now())
	return k, nil
}

// An api key's public id is the start of its hash: enough to name it in a list or a command, and
// no help in finding the key, which is a long random secret.
const (
	apiKeyIDDigits    = 12 // the id as listed
	minAPIKeyIDDigits = 8  // the shortest prefix of it that names a key
)

// ID is the key's public identifier: the first 12 hex digits of its hash.
func (k *APIKey) ID() string {
	return k.Hash[:min(len(k.Hash), apiKeyIDDigits)]
}

// APIKeys lists every api key, oldest first.
func (s *Service) APIKeys(ctx context.Context) ([]*APIKey, error) {
	keys, err := s.store.APIKeys(ctx)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(keys, func(a, b *APIKey) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.Hash, b.Hash))
	})
	return keys, nil
}

// SetAPIKeyDisabled disables or re-enables the api key whose id starts with id (at least 8 hex
// digits) and returns it. This instance refuses a disabled key at once; the others once they stop
// trusting what they read (APIKeyTTL).
func (s *Service) SetAPIKeyDisabled(ctx context.Context, id string, disabled bool) (*APIKey, error) {
	k, err := s.findAPIKey(ctx, id)
	if err != nil {
		return nil, err
	}
	k.Disabled = disabled
	if err := s.store.PutAPIKey(ctx, *k); err != nil {
		return nil, err
	}
	s.apiKeys.forget(k.Hash)
	return k, nil
}

// findAPIKey returns the one api key whose hash starts with the id prefix.
func (s *Service) findAPIKey(ctx context.Context, prefix string) (*APIKey, error) {
	keys, err := s.APIKeys(ctx)
	if err != nil {
		return nil, err
	}
	return findByID(prefix, keys, func(k *APIKey) string { return k.Hash }, "api key")
}

// findByID returns the one item whose hash starts with the id prefix (at least 8 hex digits);
// what names the kind of item in messages ("api key", "token").
func findByID[T any](prefix string, items []T, hash func(T) string, what string) (T, error) {
	var none T
	prefix = strings.ToLower(strings.TrimSpace(prefix))
	if len(prefix) < minAPIKeyIDDigits || strings.Trim(prefix, "0123456789abcdef") != "" {
		return none, FieldError("id", "%s 编号须为至少 %d 位十六进制数字 (a %s id is at least %d hex digits)",
			what, minAPIKeyIDDigits, what, minAPIKeyIDDigits)
	}
	found := slices.DeleteFunc(slices.Clone(items), func(it T) bool { return !strings.HasPrefix(hash(it), prefix) })
	switch len(found) {
	case 0:
		return none, Errorf(ENotFound, "没有编号为 %s 的 %s (no %s with id %s)", prefix, what, what, prefix)
	case 1:
		return found[0], nil
	}
	ids := make([]string, len(found))
	for i, it := range found {
		ids[i] = hash(it)[:apiKeyIDDigits]
	}
	list := strings.Join(ids, ", ")
	return none, FieldError("id", "编号 %s 对应多个 %s：%s，请给出更多位 (id %s matches several %ss: %s; give more digits)",
		prefix, what, list, prefix, what, list)
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
