package storetest

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"cityhub/dispatcher"
)

func adminEntry(action, target string, at time.Time, after any) *dispatcher.AdminEntry {
	raw, _ := json.Marshal(after)
	return &dispatcher.AdminEntry{At: at, Actor: dispatcher.AdminActor{Login: "admin", Name: "管理员", Role: dispatcher.Admin, Unit: cmd},
		Action: action, Target: target, Before: json.RawMessage("null"), After: raw}
}

// testWriteAdmin checks that an admin change and its log entry are written together or not at
// all: an account created (and refused a second time), its tokens revoked with a change, an api
// key, and reference data saved over the version it was read at (refused over a stale one).
func testWriteAdmin(t *testing.T, s dispatcher.Store) {
	ctx := t.Context()
	a := sampleAccount("op9", cmd, dispatcher.Operator)
	e1 := adminEntry(dispatcher.AdminAccountCreate, "op9", base, a)
	_, err := s.WriteAdmin(ctx, dispatcher.AdminWrite{Entry: e1, Account: a, CreateOnly: true})
	must(t, err, "WriteAdmin creating an account")
	got, err := s.Account(ctx, "op9")
	must(t, err, "Account")
	sameAccount(t, "created account", got, a)
	_, err = s.WriteAdmin(ctx, dispatcher.AdminWrite{Entry: adminEntry(dispatcher.AdminAccountCreate, "op9", base, a),
		Account: a, CreateOnly: true})
	wantCode(t, err, dispatcher.EConflict, "WriteAdmin creating an account that exists")

	for _, h := range []string{"t1", "t2"} {
		must(t, s.PutToken(ctx, dispatcher.Token{Hash: h, Login: "op9", CreatedAt: base, ExpiresAt: base.Add(time.Hour)}), "PutToken")
	}
	a.Disabled = true
	n, err := s.WriteAdmin(ctx, dispatcher.AdminWrite{Entry: adminEntry(dispatcher.AdminAccountUpdate, "op9", base.Add(time.Minute), a),
		Account: a, RevokeTokens: true})
	must(t, err, "WriteAdmin disabling an account")
	if got, _ := s.Account(ctx, "op9"); n != 2 || !got.Disabled {
		t.Errorf("disabling: %d tokens revoked, account %+v; want 2 and disabled", n, got)
	}
	k := dispatcher.APIKey{Hash: "ab12cd34ef56ab12cd34ef56", Name: "热线", CreatedAt: base}
	_, err = s.WriteAdmin(ctx, dispatcher.AdminWrite{Entry: adminEntry(dispatcher.AdminAPIKeyCreate, "ab12cd34ef56", base.Add(2*time.Minute), k), APIKey: &k})
	must(t, err, "WriteAdmin creating an api key")
	if got, err := s.APIKey(ctx, k.Hash); err != nil || got.Name != "热线" {
		t.Errorf("the api key: %+v %v", got, err)
	}

	must(t, s.SaveReference(ctx, sampleReference("qijiang")), "SaveReference")
	v, err := s.ReferenceVersion(ctx)
	must(t, err, "ReferenceVersion")
	ref := sampleReference("qijiang-admin")
	_, err = s.WriteAdmin(ctx, dispatcher.AdminWrite{Entry: adminEntry(dispatcher.AdminCategoryPut, "0101", base.Add(3*time.Minute), nil),
		Reference: ref, ReferenceVersion: v - 1})
	wantCode(t, err, dispatcher.EConflict, "WriteAdmin over a stale reference version")
	_, err = s.WriteAdmin(ctx, dispatcher.AdminWrite{Entry: adminEntry(dispatcher.AdminCategoryPut, "0101", base.Add(3*time.Minute), nil),
		Reference: ref, ReferenceVersion: v})
	must(t, err, "WriteAdmin saving reference data")
	if got, _ := s.Reference(ctx); got.District != "qijiang-admin" {
		t.Errorf("the reference saved: %s", got.District)
	}
	if v2, _ := s.ReferenceVersion(ctx); v2 != v+1 {
		t.Errorf("reference version %d after a save over %d", v2, v)
	}
	testAdminLog(t, s, e1)
}

// testAdminLog checks the entries the writes above left (the refused ones none): newest first,
// with their ids, and the filters.
func testAdminLog(t *testing.T, s dispatcher.Store, first *dispatcher.AdminEntry) {
	ctx := t.Context()
	log, err := s.AdminLog(ctx, dispatcher.AdminLogFilter{})
	must(t, err, "AdminLog")
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Action)
	}
	want := []string{dispatcher.AdminCategoryPut, dispatcher.AdminAPIKeyCreate, dispatcher.AdminAccountUpdate, dispatcher.AdminAccountCreate}
	if len(log) != 4 || !slices.Equal(actions, want) {
		t.Fatalf("admin log %v, want %v", actions, want)
	}
	last := log[3]
	if last.ID != first.ID || first.ID <= 0 || !last.At.Equal(base) || last.Actor.Login != "admin" || string(last.Before) != "null" {
		t.Errorf("the first entry came back as %+v (id %d written)", last, first.ID)
	}
	var after dispatcher.Account
	if err := json.Unmarshal(last.After, &after); err != nil || after.Login != "op9" {
		t.Errorf("the first entry's after: %s %v", last.After, err)
	}
	for name, c := range map[string]struct {
		f    dispatcher.AdminLogFilter
		want int
	}{
		"Target": {dispatcher.AdminLogFilter{Target: "op9"}, 2},
		"Action": {dispatcher.AdminLogFilter{Action: dispatcher.AdminAPIKeyCreate}, 1},
		"Before": {dispatcher.AdminLogFilter{Before: log[1].ID}, 2},
		"Limit":  {dispatcher.AdminLogFilter{Limit: 3}, 3},
	} {
		got, err := s.AdminLog(ctx, c.f)
		must(t, err, "AdminLog "+name)
		if len(got) != c.want {
			t.Errorf("AdminLog %s: %d entries, want %d", name, len(got), c.want)
		}
	}
}
