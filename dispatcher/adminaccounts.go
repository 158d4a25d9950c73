package dispatcher

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"time"
)

// The admin API's accounts and api keys. Every change goes through Store.WriteAdmin with its
// entry of the admin log; passwords and keys are answered once and never logged.

// requireAdmin: the admin API is the admin's alone (checked here, not only by the handlers).
func requireAdmin(a Actor) error {
	if a.Role != Admin {
		return Errorf(EForbidden, "只有管理员可以使用管理功能 (only an admin may use the admin API)")
	}
	return nil
}

// adminEntry is the log entry of a change by actor; before and after are encoded as they are
// (nil as null).
func (s *Service) adminEntry(actor Actor, action, target string, before, after any) *AdminEntry {
	return &AdminEntry{At: s.Now(), Actor: AdminActor{Login: actor.Login, Name: actor.Name, Role: actor.Role, Unit: actor.Unit},
		Action: action, Target: target, Before: rawJSON(before), After: rawJSON(after)}
}

func rawJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return json.RawMessage("null")
	}
	return b
}

// AdminLog returns entries of the admin log, newest first.
func (s *Service) AdminLog(ctx context.Context, actor Actor, f AdminLogFilter) ([]*AdminEntry, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	if f.Action != "" && !slices.Contains(AdminActions, f.Action) {
		return nil, FieldError("action", "未知的管理操作 %q (unknown admin action)", f.Action)
	}
	return s.store.AdminLog(ctx, f)
}

// AdminAccounts lists every account, ordered by login.
func (s *Service) AdminAccounts(ctx context.Context, actor Actor) ([]*Account, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	return s.store.Accounts(ctx)
}

// NewAccount is an account the admin creates.
type NewAccount struct {
	Login       string       `json:"login"`
	Name        string       `json:"name"`
	Role        Role         `json:"role"`
	Unit        string       `json:"unit"`
	Certificate *Certificate `json:"certificate"`
}

// AdminCreateAccount creates an account with a generated password, which it returns: the admin
// hands it to the person, who signs in with it (it is shown once and kept only as a hash).
func (s *Service) AdminCreateAccount(ctx context.Context, actor Actor, n NewAccount) (*Account, string, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, "", err
	}
	a := &Account{Login: n.Login, Name: n.Name, Role: n.Role, Unit: n.Unit, Certificate: n.Certificate, CreatedAt: s.Now()}
	if err := validateAccount(a); err != nil {
		return nil, "", err
	}
	if err := s.checkRoleUnit(a.Role, a.Unit); err != nil {
		return nil, "", err
	}
	pw := GeneratePassword()
	hash, err := HashPassword(pw)
	if err != nil {
		return nil, "", err
	}
	a.PasswordHash = hash
	_, err = s.store.WriteAdmin(ctx, AdminWrite{Account: a, CreateOnly: true,
		Entry: s.adminEntry(actor, AdminAccountCreate, a.Login, nil, a)})
	if err != nil {
		return nil, "", err
	}
	return a, pw, nil
}

// checkRoleUnit: a known role (not the system's) in a known unit; a street team's roles belong
// to a unit of the bureau that handles cases, not to the command centre nor to an outside agency.
func (s *Service) checkRoleUnit(role Role, unit string) error {
	if !role.Valid() || role == System {
		return FieldError("role", "未知的角色 %q (unknown role %q)", role, role)
	}
	u, ok := s.Unit(unit)
	if !ok {
		return FieldError("unit", "未知的单位 %q (unknown unit %q; see GET /api/v1/reference)", unit, unit)
	}
	if role.IsUnitMember() && (u.Code == CommandCentre || u.IsExternal()) {
		return FieldError("unit", "角色“%s”须属于处置单位，不能属于%s (a %s belongs to a handling unit, not to %s)",
			RoleLabel(role), u.DisplayName(), role, u.Code)
	}
	return nil
}

// account reads an account for a change, its absence said in the API's words.
func (s *Service) account(ctx context.Context, login string) (*Account, error) {
	a, err := s.store.Account(ctx, login)
	if ErrorCode(err) == ENotFound {
		return nil, Errorf(ENotFound, "没有账号 %s (no account %s)", login, login)
	}
	return a, err
}

// AccountPatch changes the fields of an account that it gives; Certificate given as null takes the
// certificate away.
type AccountPatch struct {
	Name        *string          `json:"name"`
	Role        *Role            `json:"role"`
	Unit        *string          `json:"unit"`
	Certificate CertificatePatch `json:"certificate"`
	Disabled    *bool            `json:"disabled"`
}

// CertificatePatch is a certificate in a patch: absent (Set false), null (Set, Value nil) or a
// certificate.
type CertificatePatch struct {
	Set   bool
	Value *Certificate
}

// UnmarshalJSON reads null or a certificate, refusing fields a certificate does not have.
func (c *CertificatePatch) UnmarshalJSON(b []byte) error {
	c.Set = true
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		c.Value = nil
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var v Certificate
	if err := dec.Decode(&v); err != nil {
		return FieldError("certificate", "certificate 须为 {\"number\", \"valid_until\", \"scope\"} 或 null (certificate must be an object with number, valid_until and scope, or null)")
	}
	c.Value = &v
	return nil
}

func (p AccountPatch) empty() bool {
	return p.Name == nil && p.Role == nil && p.Unit == nil && !p.Certificate.Set && p.Disabled == nil
}

// AdminUpdateAccount changes an account's name, role, unit, certificate or disabled flag and
// returns it with the number of tokens revoked: disabling an account signs it out everywhere. An
// admin may not disable their own account nor take away their own admin role (someone must stay
// able to undo it). A patch that changes nothing writes nothing.
func (s *Service) AdminUpdateAccount(ctx context.Context, actor Actor, login string, p AccountPatch) (*Account, int, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, 0, err
	}
	if p.empty() {
		return nil, 0, FieldError("body", "请给出要修改的字段：name、role、unit、certificate 或 disabled (give a field to change: name, role, unit, certificate or disabled)")
	}
	a, err := s.account(ctx, login)
	if err != nil {
		return nil, 0, err
	}
	before := *a
	p.apply(a)
	if err := s.checkPatched(actor, &before, a); err != nil {
		return nil, 0, err
	}
	if bytes.Equal(rawJSON(&before), rawJSON(a)) {
		return a, 0, nil
	}
	n, err := s.store.WriteAdmin(ctx, AdminWrite{Account: a, RevokeTokens: a.Disabled && !before.Disabled,
		Entry: s.adminEntry(actor, AdminAccountUpdate, a.Login, &before, a)})
	return a, n, err
}

func (p AccountPatch) apply(a *Account) {
	if p.Name != nil {
		a.Name = *p.Name
	}
	if p.Role != nil {
		a.Role = *p.Role
	}
	if p.Unit != nil {
		a.Unit = *p.Unit
	}
	if p.Certificate.Set {
		a.Certificate = p.Certificate.Value
	}
	if p.Disabled != nil {
		a.Disabled = *p.Disabled
	}
}

// checkPatched checks an account after a patch.
func (s *Service) checkPatched(actor Actor, before, a *Account) error {
	if err := validateAccount(a); err != nil {
		return err
	}
	if err := s.checkRoleUnit(a.Role, a.Unit); err != nil {
		return err
	}
	if a.Login == actor.Login && (a.Disabled || a.Role != Admin) {
		return Errorf(EConflict, "不能停用自己的账号或取消自己的管理员角色 (an admin cannot disable their own account nor take away their own admin role)")
	}
	return nil
}

// AdminResetPassword gives an account a new generated password, which it returns (shown once),
// and signs the account out everywhere; it returns the number of tokens revoked. The log records
// that the password was reset, never the password.
func (s *Service) AdminResetPassword(ctx context.Context, actor Actor, login string) (string, int, error) {
	if err := requireAdmin(actor); err != nil {
		return "", 0, err
	}
	a, err := s.account(ctx, login)
	if err != nil {
		return "", 0, err
	}
	pw := GeneratePassword()
	if a.PasswordHash, err = HashPassword(pw); err != nil {
		return "", 0, err
	}
	n, err := s.store.WriteAdmin(ctx, AdminWrite{Account: a, RevokeTokens: true,
		Entry: s.adminEntry(actor, AdminAccountPassword, a.Login, nil, map[string]bool{"password_reset": true})})
	if err != nil {
		return "", 0, err
	}
	return pw, n, nil
}

// APIKeyView is an api key as the admin sees it: its public id, never the key nor its hash.
type APIKeyView struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	Disabled  bool      `json:"disabled"`
}

func viewAPIKey(k *APIKey) APIKeyView {
	return APIKeyView{ID: k.ID(), Name: k.Name, CreatedAt: k.CreatedAt, Disabled: k.Disabled}
}

// AdminAPIKeys lists the api keys, oldest first.
func (s *Service) AdminAPIKeys(ctx context.Context, actor Actor) ([]APIKeyView, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	keys, err := s.APIKeys(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]APIKeyView, len(keys))
	for i, k := range keys {
		out[i] = viewAPIKey(k)
	}
	return out, nil
}

// AdminCreateAPIKey issues an Open311 api key and returns it (shown once) with its view.
func (s *Service) AdminCreateAPIKey(ctx context.Context, actor Actor, name string) (string, APIKeyView, error) {
	if err := requireAdmin(actor); err != nil {
		return "", APIKeyView{}, err
	}
	if err := checkLine("name", name, MaxNameRunes, true); err != nil {
		return "", APIKeyView{}, err
	}
	key := NewSecret(24)
	k := &APIKey{Hash: HashSecret(key), Name: name, CreatedAt: s.Now()}
	v := viewAPIKey(k)
	if _, err := s.store.WriteAdmin(ctx, AdminWrite{APIKey: k, Entry: s.adminEntry(actor, AdminAPIKeyCreate, v.ID, nil, v)}); err != nil {
		return "", APIKeyView{}, err
	}
	return key, v, nil
}

// AdminSetAPIKeyDisabled disables or re-enables the api key with the id (at least 8 hex digits of
// it). This instance refuses a disabled key at once, the others within APIKeyTTL.
func (s *Service) AdminSetAPIKeyDisabled(ctx context.Context, actor Actor, id string, disabled bool) (APIKeyView, error) {
	if err := requireAdmin(actor); err != nil {
		return APIKeyView{}, err
	}
	k, err := s.findAPIKey(ctx, id)
	if err != nil {
		return APIKeyView{}, err
	}
	before := viewAPIKey(k)
	if k.Disabled == disabled {
		return before, nil
	}
	k.Disabled = disabled
	after := viewAPIKey(k)
	if _, err := s.store.WriteAdmin(ctx, AdminWrite{APIKey: k, Entry: s.adminEntry(actor, AdminAPIKeyUpdate, after.ID, before, after)}); err != nil {
		return APIKeyView{}, err
	}
	s.apiKeys.forget(k.Hash)
	return after, nil
}
