package storetest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"cityhub/dispatcher"
)

func sampleReference(district string) *dispatcher.Reference {
	return &dispatcher.Reference{
		District: district, Authority: "綦江区城市管理局", HomeAuthority: "綦江区", CasePrefix: "QJ",
		Units: []dispatcher.Unit{
			{Code: cmd, Name: "綦江区数字化城市管理监督指挥中心", Short: "指挥中心", Kind: dispatcher.UnitCommandCentre},
			{Code: unitGN, Name: "綦江区城市管理综合行政执法支队古南大队", Short: "古南大队", Kind: "street_brigade",
				Jurisdictions: []string{jurGN}},
			{Code: agencyWS, Name: "万盛经开区城市管理局", Kind: dispatcher.UnitExternalAgency, Note: "另一辖区"},
		},
		Catalogue: dispatcher.Catalogue{
			Scheme:           "CJ/T 214",
			AcknowledgeLimit: dispatcher.AckLimit{Limit: dispatcher.Limit{Value: 1, Unit: dispatcher.WorkHour}, Urgent: &dispatcher.Limit{Value: 30, Unit: dispatcher.NaturalMinute}},
			Natures:          []dispatcher.Nature{{Code: "complaint", Name: "投诉"}},
			Groups: []dispatcher.CategoryGroup{{Code: "01", Name: "市容环境", Items: []dispatcher.Category{
				{Code: catLitter, Name: "暴露垃圾", HandleLimit: dispatcher.Limit{Value: 1, Unit: dispatcher.WorkDay},
					Route: "territorial", Aka: []string{"垃圾堆积"}},
			}}},
		},
		Calendar: dispatcher.CalendarConfig{Timezone: "Asia/Shanghai",
			WorkHours: [][2]string{{"09:00", "12:00"}, {"14:00", "18:00"}},
			Years: map[string]dispatcher.CalendarYear{"2026": {Holidays: [][2]string{{"2026-10-01", "2026-10-07"}},
				Workdays: []string{"2026-09-27"}}}},
		Jurisdictions: json.RawMessage(`{"type":"FeatureCollection","features":[{"type":"Feature",` +
			`"properties":{"code":"QJ-GN","name":"古南街道"},"geometry":{"type":"Polygon",` +
			`"coordinates":[[[106.6,29.0],[106.7,29.0],[106.7,29.1],[106.6,29.0]]]}}]}`),
		People: []dispatcher.Person{{Login: "op1", Name: "受理员一", Role: dispatcher.Operator, Unit: cmd}},
	}
}

func testReference(t *testing.T, s dispatcher.Store) {
	ctx := t.Context()
	_, err := s.Reference(ctx)
	wantCode(t, err, dispatcher.ENotFound, "Reference before any was saved")
	for _, district := range []string{"qijiang", "qijiang-2027"} {
		ref := sampleReference(district)
		if district != "qijiang" {
			ref.Units = ref.Units[:2]
			ref.People = nil
		}
		must(t, s.SaveReference(ctx, ref), "SaveReference")
		got, err := s.Reference(ctx)
		must(t, err, "Reference")
		sameJSON(t, "Reference", got, ref)
	}
}

func sampleAccount(login string, unit string, role dispatcher.Role) *dispatcher.Account {
	return &dispatcher.Account{Login: login, Name: "账户 " + login, Role: role, Unit: unit,
		PasswordHash: "$argon2id$v=19$m=65536,t=3,p=2$c2FsdA$" + login, CreatedAt: base}
}

// sameAccount compares accounts by JSON and by PasswordHash (which the encoding leaves out).
func sameAccount(t *testing.T, what string, got, want *dispatcher.Account) {
	t.Helper()
	if sameJSON(t, what, got, want) && got.PasswordHash != want.PasswordHash {
		t.Errorf("%s: password hash %q, want %q", what, got.PasswordHash, want.PasswordHash)
	}
}

func testAccounts(t *testing.T, s dispatcher.Store) {
	ctx := t.Context()
	if as, err := s.Accounts(ctx); err != nil || len(as) != 0 {
		t.Fatalf("Accounts of an empty store: %d, %v", len(as), err)
	}
	_, err := s.Account(ctx, "nobody")
	wantCode(t, err, dispatcher.ENotFound, "Account of a missing login")

	lead := sampleAccount("gn-lead", unitGN, dispatcher.TeamLead)
	lead.Certificate = &dispatcher.Certificate{Number: "渝执 0012345", ValidUntil: "2028-06-30", Scope: "市容"}
	op := sampleAccount("op1", cmd, dispatcher.Operator)
	for _, a := range []*dispatcher.Account{op, lead} {
		must(t, s.PutAccount(ctx, a), "PutAccount")
	}
	got, err := s.Account(ctx, lead.Login)
	must(t, err, "Account")
	sameAccount(t, "Account", got, lead)

	op2 := sampleAccount("op1", cmd, dispatcher.ShiftLeader)
	op2.Name, op2.Disabled, op2.PasswordHash = "受理员一（值班长）", true, "$argon2id$new"
	must(t, s.PutAccount(ctx, op2), "PutAccount replacing")
	got, err = s.Account(ctx, "op1")
	must(t, err, "Account")
	sameAccount(t, "replaced account", got, op2)

	all, err := s.Accounts(ctx)
	must(t, err, "Accounts")
	slices.SortFunc(all, func(a, b *dispatcher.Account) int { return strings.Compare(a.Login, b.Login) })
	if len(all) != 2 {
		t.Fatalf("Accounts: %d, want 2", len(all))
	}
	sameAccount(t, "Accounts[0]", all[0], lead)
	sameAccount(t, "Accounts[1]", all[1], op2)
}

// testTokens checks bearer tokens; an expired token is ENotFound, as an unknown one.
func testTokens(t *testing.T, s dispatcher.Store) {
	ctx := t.Context()
	a := sampleAccount("op1", cmd, dispatcher.Operator)
	must(t, s.PutAccount(ctx, a), "PutAccount")
	tok := dispatcher.Token{Hash: "9f86d081884c7d659a2feaa0c55ad015", Login: a.Login, CreatedAt: base,
		ExpiresAt: base.Add(8 * time.Hour)}
	must(t, s.PutToken(ctx, tok), "PutToken")

	got, gotTok, err := s.TokenAccount(ctx, tok.Hash, base.Add(time.Hour))
	must(t, err, "TokenAccount")
	sameAccount(t, "TokenAccount", got, a)
	sameToken(t, "TokenAccount's token", gotTok, tok)
	_, _, err = s.TokenAccount(ctx, tok.Hash, base.Add(9*time.Hour))
	wantCode(t, err, dispatcher.ENotFound, "TokenAccount of an expired token")
	_, _, err = s.TokenAccount(ctx, "0000", base.Add(time.Hour))
	wantCode(t, err, dispatcher.ENotFound, "TokenAccount of an unknown token")

	// The token follows its account: a replaced (here disabled) account is what it returns.
	a.Disabled, a.Name = true, "已停用"
	must(t, s.PutAccount(ctx, a), "PutAccount")
	got, _, err = s.TokenAccount(ctx, tok.Hash, base.Add(2*time.Hour))
	must(t, err, "TokenAccount after the account changed")
	sameAccount(t, "TokenAccount after the account changed", got, a)
}

func sameToken(t *testing.T, what string, got *dispatcher.Token, want dispatcher.Token) {
	t.Helper()
	if got == nil || got.Hash != want.Hash || got.Login != want.Login || !got.CreatedAt.Equal(want.CreatedAt) ||
		!got.ExpiresAt.Equal(want.ExpiresAt) || !got.LastUsedAt.Equal(want.LastUsedAt) ||
		got.CreatedAt.Location() != time.UTC || got.ExpiresAt.Location() != time.UTC {
		t.Errorf("%s = %+v, want %+v (times in UTC)", what, got, want)
	}
}

// testTokenUse: a use moves a token's expiry and records its time; a touch never brings back a
// token that expired or was deleted.
func testTokenUse(t *testing.T, s dispatcher.Store) {
	ctx := t.Context()
	must(t, s.PutAccount(ctx, sampleAccount("op1", cmd, dispatcher.Operator)), "PutAccount")
	tok := dispatcher.Token{Hash: "aa11", Login: "op1", CreatedAt: base, ExpiresAt: base.Add(time.Hour)}
	must(t, s.PutToken(ctx, tok), "PutToken")

	used := base.Add(30 * time.Minute)
	must(t, s.TouchToken(ctx, tok.Hash, used, used.Add(time.Hour)), "TouchToken")
	tok.LastUsedAt, tok.ExpiresAt = used, used.Add(time.Hour)
	_, got, err := s.TokenAccount(ctx, tok.Hash, base.Add(80*time.Minute)) // past the first expiry
	must(t, err, "TokenAccount after a use moved the expiry")
	sameToken(t, "the token after a use", got, tok)

	late := tok.ExpiresAt.Add(time.Minute)
	wantCode(t, s.TouchToken(ctx, tok.Hash, late, late.Add(time.Hour)), dispatcher.ENotFound, "TouchToken of an expired token")
	_, _, err = s.TokenAccount(ctx, tok.Hash, late)
	wantCode(t, err, dispatcher.ENotFound, "TokenAccount after touching it once expired")
	wantCode(t, s.TouchToken(ctx, "bb22", used, used.Add(time.Hour)), dispatcher.ENotFound, "TouchToken of an unknown token")
}

// testTokenRevocation: Tokens lists the live tokens; DeleteToken and DeleteAccountTokens revoke.
func testTokenRevocation(t *testing.T, s dispatcher.Store) {
	ctx := t.Context()
	for _, login := range []string{"op1", "op2"} {
		must(t, s.PutAccount(ctx, sampleAccount(login, cmd, dispatcher.Operator)), "PutAccount")
	}
	toks := []dispatcher.Token{
		{Hash: "a1", Login: "op1", CreatedAt: base, ExpiresAt: base.Add(time.Hour)},
		{Hash: "a2", Login: "op1", CreatedAt: base, ExpiresAt: base.Add(2 * time.Hour), LastUsedAt: base.Add(time.Minute)},
		{Hash: "a3", Login: "op1", CreatedAt: base, ExpiresAt: base.Add(time.Minute)}, // expired at the listing
		{Hash: "b1", Login: "op2", CreatedAt: base, ExpiresAt: base.Add(time.Hour)},
	}
	for _, tok := range toks {
		must(t, s.PutToken(ctx, tok), "PutToken")
	}
	wantTokens := func(what string, want ...dispatcher.Token) {
		t.Helper()
		got, err := s.Tokens(ctx, base.Add(10*time.Minute))
		must(t, err, what)
		slices.SortFunc(got, func(a, b *dispatcher.Token) int { return strings.Compare(a.Hash, b.Hash) })
		if len(got) != len(want) {
			t.Fatalf("%s: %d tokens, want %d", what, len(got), len(want))
		}
		for i := range want {
			sameToken(t, what, got[i], want[i])
		}
	}
	wantTokens("Tokens", toks[0], toks[1], toks[3])

	must(t, s.DeleteToken(ctx, "a1"), "DeleteToken")
	wantCode(t, s.DeleteToken(ctx, "a1"), dispatcher.ENotFound, "DeleteToken again")
	_, _, err := s.TokenAccount(ctx, "a1", base)
	wantCode(t, err, dispatcher.ENotFound, "TokenAccount of a deleted token")
	wantTokens("Tokens after DeleteToken", toks[1], toks[3])

	n, err := s.DeleteAccountTokens(ctx, "op1")
	must(t, err, "DeleteAccountTokens")
	if n != 2 { // a2, and a3 which had expired
		t.Errorf("DeleteAccountTokens removed %d tokens, want 2", n)
	}
	wantTokens("Tokens after DeleteAccountTokens", toks[3])
	if n, err := s.DeleteAccountTokens(ctx, "op1"); err != nil || n != 0 {
		t.Errorf("DeleteAccountTokens again: %d, %v; want 0, nil", n, err)
	}
}

func testAPIKeys(t *testing.T, s dispatcher.Store) {
	ctx := t.Context()
	_, err := s.APIKey(ctx, "missing")
	wantCode(t, err, dispatcher.ENotFound, "APIKey of a missing hash")
	wantAPIKeys(t, s, "APIKeys of an empty store")
	k := dispatcher.APIKey{Hash: "5e884898da28047151d0e56f8dc62927", Name: "綦江区12345热线", CreatedAt: base}
	must(t, s.PutAPIKey(ctx, k), "PutAPIKey")
	other := dispatcher.APIKey{Hash: "6b86b273ff34fce19d6b804eff5a3f57", Name: "微信公众号", CreatedAt: base.Add(time.Hour)}
	must(t, s.PutAPIKey(ctx, other), "PutAPIKey")
	for _, want := range []dispatcher.APIKey{k, other} {
		got, err := s.APIKey(ctx, want.Hash)
		must(t, err, "APIKey")
		if got.Hash != want.Hash || !sameJSON(t, "APIKey", got, want) {
			t.Errorf("APIKey(%s) = %+v, want %+v", want.Hash, got, want)
		}
	}
	k.Disabled = true
	must(t, s.PutAPIKey(ctx, k), "PutAPIKey disabling")
	got, err := s.APIKey(ctx, k.Hash)
	must(t, err, "APIKey")
	if !got.Disabled {
		t.Errorf("APIKey after disabling: %+v", got)
	}
	wantAPIKeys(t, s, "APIKeys", k, other)
}

// wantAPIKeys checks that APIKeys lists exactly want (in any order), each with its hash.
func wantAPIKeys(t *testing.T, s dispatcher.Store, what string, want ...dispatcher.APIKey) {
	t.Helper()
	got, err := s.APIKeys(t.Context())
	must(t, err, what)
	if len(got) != len(want) {
		t.Fatalf("%s: %d keys, want %d", what, len(got), len(want))
	}
	slices.SortFunc(got, func(a, b *dispatcher.APIKey) int { return strings.Compare(a.Hash, b.Hash) })
	slices.SortFunc(want, func(a, b dispatcher.APIKey) int { return strings.Compare(a.Hash, b.Hash) })
	for i := range want {
		if got[i].Hash != want[i].Hash || !sameJSON(t, what, got[i], want[i]) {
			t.Errorf("%s[%d] = %+v, want %+v", what, i, got[i], want[i])
		}
	}
}

// testInitReference: of several concurrent InitReference calls on an empty store exactly one
// saves; later ones change nothing. ReferenceVersion starts at 0 and grows with every save.
func testInitReference(t *testing.T, s dispatcher.Store) {
	ctx := t.Context()
	v0, err := s.ReferenceVersion(ctx)
	must(t, err, "ReferenceVersion")
	if v0 != 0 {
		t.Errorf("ReferenceVersion of an empty store = %d, want 0", v0)
	}
	const racers = 6
	won := make(chan int, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ref := sampleReference("qijiang")
			ref.Authority = fmt.Sprintf("racer %d", i)
			ok, err := s.InitReference(ctx, ref)
			if err != nil {
				t.Errorf("InitReference: %v", err)
			}
			if ok {
				won <- i
			}
		}()
	}
	wg.Wait()
	close(won)
	var winners []int
	for i := range won {
		winners = append(winners, i)
	}
	if len(winners) != 1 {
		t.Fatalf("%d InitReference calls saved, want exactly 1", len(winners))
	}
	got, err := s.Reference(ctx)
	must(t, err, "Reference")
	if want := fmt.Sprintf("racer %d", winners[0]); got.Authority != want {
		t.Errorf("stored reference is %q, want the winner's %q", got.Authority, want)
	}
	v1, err := s.ReferenceVersion(ctx)
	must(t, err, "ReferenceVersion")
	must(t, s.SaveReference(ctx, sampleReference("qijiang")), "SaveReference")
	v2, err := s.ReferenceVersion(ctx)
	must(t, err, "ReferenceVersion")
	if v1 <= 0 || v2 <= v1 {
		t.Errorf("versions %d then %d: want positive and growing with each save", v1, v2)
	}
}
