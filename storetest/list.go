package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"cityhub/dispatcher"
)

// filterCases stores six cases that differ in every filtered field and returns them.
//
//	0 in progress at 古南, overdue          hotline  QJ-GN  0101  owners CMD 古南
//	1 registered at the centre              wechat   QJ-WL  0203  owners CMD
//	2 closed by 文龙, late (not overdue)     web      QJ-WL  0101  owners CMD 文龙
//	3 transferred to 万盛                    open311  QJ-WSJD 0302 owners CMD 万盛
//	4 dispatched to 文龙 after 古南, overdue  hotline  QJ-WL  0203  owners CMD 古南 文龙
//	5 voided, had been at 古南               hotline  QJ-GN  0101  owners CMD 古南
func filterCases(t *testing.T, s dispatcher.Store) []*dispatcher.Case {
	cs := make([]*dispatcher.Case, 6)
	for i := range cs {
		cs[i] = newCase(i)
	}
	markOverdue(cs[0])
	cs[0].Owners = []string{cmd, unitGN}

	c := cs[1]
	c.State, c.OwnerKind, c.Owner, c.Unit = dispatcher.Registered, dispatcher.OwnedByCentre, cmd, ""
	c.Channel, c.Routing.Jurisdiction, c.Category = dispatcher.ChannelWeChat, jurWL, catStall
	c.Clocks.Acknowledge, c.Clocks.Handling, c.Owners = nil, nil, []string{cmd}

	c = cs[2]
	c.Unit, c.Channel, c.Routing.Jurisdiction = unitWL, dispatcher.ChannelWeb, jurWL
	c.Owners = []string{cmd, unitWL}
	markOverdue(c)
	finish(c, dispatcher.Closed)

	c = cs[3]
	c.State, c.OwnerKind, c.Owner, c.Unit = dispatcher.Transferred, dispatcher.OwnedByAgency, agencyWS, agencyWS
	c.Channel, c.Routing.Jurisdiction, c.Category = dispatcher.ChannelOpen311, jurWS, catMuck
	c.Clocks.Handling, c.Owners = nil, []string{cmd, agencyWS}

	c = cs[4]
	c.State, c.Owner, c.Unit = dispatcher.Dispatched, unitWL, unitWL
	c.Routing.Jurisdiction, c.Category, c.Owners = jurWL, catStall, []string{cmd, unitGN, unitWL}
	markOverdue(c)

	cs[5].Owners = []string{cmd, unitGN}
	finish(cs[5], dispatcher.Voided)
	cs[3].Reporter.Phone = "13900139000"
	cs[1].Reporter = dispatcher.Contact{}

	for i, h := range []time.Duration{30, 3, 12, 20, 8, 40} {
		cs[i].UpdatedAt = base.Add(h * time.Hour)
		create(t, s, cs[i], 1)
	}
	return cs
}

// wantCases fails the test unless ListCases(f) returns exactly the cases at the indices, in
// that order, and a total of total (-1: len(indices)).
func wantCases(t *testing.T, s dispatcher.Store, name string, f dispatcher.CaseFilter,
	cs []*dispatcher.Case, indices []int, total int) {
	t.Helper()
	page, err := s.ListCases(t.Context(), f)
	must(t, err, "ListCases "+name)
	want := make([]int64, len(indices))
	for i, k := range indices {
		want[i] = cs[k].ID
	}
	if total < 0 {
		total = len(indices)
	}
	if got := caseIDs(page.Cases); !slices.Equal(got, want) || page.Total != total {
		t.Errorf("ListCases %s: cases %v total %d, want %v total %d", name, got, page.Total, want, total)
	}
}

func testListCasesFilters(t *testing.T, s dispatcher.Store) {
	cs := filterCases(t, s)
	yes, no := true, false
	at := func(h int) time.Time { return base.Add(time.Duration(h) * time.Hour) }
	tests := []struct {
		name string
		f    dispatcher.CaseFilter
		want []int
	}{
		{"zero filter", dispatcher.CaseFilter{}, []int{0, 1, 2, 3, 4, 5}},
		{"IDs", dispatcher.CaseFilter{IDs: []int64{cs[3].ID, cs[1].ID, cs[5].ID + 1000}}, []int{1, 3}},
		{"Numbers", dispatcher.CaseFilter{Numbers: []string{cs[4].Number, cs[2].Number, "QJ-none"}}, []int{2, 4}},
		{"States", dispatcher.CaseFilter{States: []dispatcher.State{dispatcher.Closed, dispatcher.Voided}}, []int{2, 5}},
		{"one State", dispatcher.CaseFilter{States: []dispatcher.State{dispatcher.InProgress}}, []int{0}},
		{"Open", dispatcher.CaseFilter{Open: &yes}, []int{0, 1, 3, 4}},
		{"not Open", dispatcher.CaseFilter{Open: &no}, []int{2, 5}},
		{"Unit 古南", dispatcher.CaseFilter{Unit: unitGN}, []int{0, 5}},
		{"Unit 文龙", dispatcher.CaseFilter{Unit: unitWL}, []int{2, 4}},
		{"Unit agency", dispatcher.CaseFilter{Unit: agencyWS}, []int{3}},
		{"Owner 文龙", dispatcher.CaseFilter{Owner: unitWL}, []int{4}},
		{"Owner centre", dispatcher.CaseFilter{Owner: cmd}, []int{1}},
		{"VisibleTo 古南", dispatcher.CaseFilter{VisibleTo: unitGN}, []int{0, 4, 5}},
		{"VisibleTo centre", dispatcher.CaseFilter{VisibleTo: cmd}, []int{0, 1, 2, 3, 4, 5}},
		{"VisibleTo agency", dispatcher.CaseFilter{VisibleTo: agencyWS}, []int{3}},
		{"VisibleTo stranger", dispatcher.CaseFilter{VisibleTo: "QJ-NONE"}, []int{}},
		{"Category", dispatcher.CaseFilter{Category: catLitter}, []int{0, 2, 5}},
		{"Category stall", dispatcher.CaseFilter{Category: catStall}, []int{1, 4}},
		{"Channel", dispatcher.CaseFilter{Channel: dispatcher.ChannelHotline}, []int{0, 4, 5}},
		{"Channel wechat", dispatcher.CaseFilter{Channel: dispatcher.ChannelWeChat}, []int{1}},
		{"Jurisdiction", dispatcher.CaseFilter{Jurisdiction: jurWL}, []int{1, 2, 4}},
		{"Overdue", dispatcher.CaseFilter{Overdue: &yes}, []int{0, 4}},
		{"not Overdue", dispatcher.CaseFilter{Overdue: &no}, []int{1, 2, 3, 5}},
		{"CreatedFrom (inclusive)", dispatcher.CaseFilter{CreatedFrom: at(1)}, []int{1, 2, 3, 4, 5}},
		{"CreatedTo (exclusive)", dispatcher.CaseFilter{CreatedTo: at(3)}, []int{0, 1, 2}},
		{"CreatedFrom and To", dispatcher.CaseFilter{CreatedFrom: at(1), CreatedTo: at(3)}, []int{1, 2}},
		{"UpdatedAfter (exclusive)", dispatcher.CaseFilter{UpdatedAfter: cs[2].UpdatedAt}, []int{0, 3, 5}},
		{"UpdatedBefore (exclusive)", dispatcher.CaseFilter{UpdatedBefore: cs[2].UpdatedAt}, []int{1, 4}},
		{"UpdatedAfter and Before", dispatcher.CaseFilter{UpdatedAfter: cs[1].UpdatedAt, UpdatedBefore: cs[3].UpdatedAt}, []int{2, 4}},
		{"OpenOrUpdatedSince", dispatcher.CaseFilter{OpenOrUpdatedSince: at(20)}, []int{0, 1, 3, 4, 5}},
		{"OpenOrUpdatedSince (inclusive)", dispatcher.CaseFilter{OpenOrUpdatedSince: cs[2].UpdatedAt}, []int{0, 1, 2, 3, 4, 5}},
		{"OpenOrUpdatedSince later", dispatcher.CaseFilter{OpenOrUpdatedSince: at(41)}, []int{0, 1, 3, 4}},
		{"OpenOrUpdatedSince and VisibleTo", dispatcher.CaseFilter{OpenOrUpdatedSince: at(20), VisibleTo: unitGN}, []int{0, 4, 5}},
		{"Phone", dispatcher.CaseFilter{Phone: "13900139000"}, []int{3}},
		{"Phone of many", dispatcher.CaseFilter{Phone: "13800138000"}, []int{0, 2, 4, 5}},
		{"Phone unknown", dispatcher.CaseFilter{Phone: "1380013800"}, []int{}},
		{"Unit and Open", dispatcher.CaseFilter{Unit: unitGN, Open: &yes}, []int{0}},
		{"VisibleTo and Overdue", dispatcher.CaseFilter{VisibleTo: unitGN, Overdue: &yes}, []int{0, 4}},
		{"Category, Channel, not Open", dispatcher.CaseFilter{Category: catLitter,
			Channel: dispatcher.ChannelHotline, Open: &no}, []int{5}},
		{"States and Jurisdiction", dispatcher.CaseFilter{Jurisdiction: jurWL,
			States: []dispatcher.State{dispatcher.Registered, dispatcher.Dispatched}}, []int{1, 4}},
	}
	for _, tc := range tests {
		wantCases(t, s, tc.name, tc.f, cs, tc.want, -1)
	}
}

func testListCasesPaging(t *testing.T, s dispatcher.Store) {
	cs := filterCases(t, s)
	yes := true
	tests := []struct {
		name  string
		f     dispatcher.CaseFilter
		want  []int
		total int
	}{
		{"Limit", dispatcher.CaseFilter{Limit: 2}, []int{0, 1}, 6},
		{"Offset", dispatcher.CaseFilter{Offset: 2, Limit: 2}, []int{2, 3}, 6},
		{"last page", dispatcher.CaseFilter{Offset: 5, Limit: 2}, []int{5}, 6},
		{"past the end", dispatcher.CaseFilter{Offset: 6, Limit: 2}, []int{}, 6},
		{"Newest", dispatcher.CaseFilter{Newest: true}, []int{5, 4, 3, 2, 1, 0}, 6},
		{"Newest page", dispatcher.CaseFilter{Newest: true, Offset: 1, Limit: 2}, []int{4, 3}, 6},
		{"filtered page", dispatcher.CaseFilter{Open: &yes, Offset: 1, Limit: 2}, []int{1, 3}, 4},
		{"filtered Newest", dispatcher.CaseFilter{VisibleTo: unitGN, Newest: true, Limit: 2}, []int{5, 4}, 3},
	}
	for _, tc := range tests {
		wantCases(t, s, tc.name, tc.f, cs, tc.want, tc.total)
	}
}

// testListCasesDefaultLimit checks that Limit 0 means 100.
func testListCasesDefaultLimit(t *testing.T, s dispatcher.Store) {
	ctx := t.Context()
	var ids []int64
	for i := range 101 {
		c := newCase(i)
		create(t, s, c, 1)
		ids = append(ids, c.ID)
	}
	page, err := s.ListCases(ctx, dispatcher.CaseFilter{})
	must(t, err, "ListCases")
	if got := caseIDs(page.Cases); !slices.Equal(got, ids[:100]) || page.Total != 101 {
		t.Errorf("ListCases with Limit 0: %d cases (first %v), total %d; want the first 100 of 101",
			len(got), got[:min(3, len(got))], page.Total)
	}
	page, err = s.ListCases(ctx, dispatcher.CaseFilter{Offset: 100})
	must(t, err, "ListCases")
	if got := caseIDs(page.Cases); !slices.Equal(got, ids[100:]) {
		t.Errorf("ListCases from 100: %v, want %v", got, ids[100:])
	}
}

// testListCasesFollowsUpdates checks that the filters see a case as its last update left it.
func testListCasesFollowsUpdates(t *testing.T, s dispatcher.Store) {
	yes, no := true, false
	c := newCase(0)
	c.State, c.OwnerKind, c.Owner, c.Unit = dispatcher.Registered, dispatcher.OwnedByCentre, cmd, ""
	c.Clocks.Acknowledge, c.Clocks.Handling, c.Owners = nil, nil, []string{cmd}
	create(t, s, c, 2)
	cs := []*dispatcher.Case{c}
	created := c.UpdatedAt
	check := func(step string, f dispatcher.CaseFilter, match bool) {
		t.Helper()
		want := []int{}
		if match {
			want = []int{0}
		}
		wantCases(t, s, fmt.Sprintf("%s: %+v", step, f), f, cs, want, -1)
	}
	check("registered", dispatcher.CaseFilter{Unit: unitGN}, false)
	check("registered", dispatcher.CaseFilter{VisibleTo: unitGN}, false)
	check("registered", dispatcher.CaseFilter{Owner: cmd}, true)

	update(t, s, c, 1, func(c *dispatcher.Case) { // dispatched to 古南, then overdue
		c.State, c.OwnerKind, c.Owner, c.Unit = dispatcher.Dispatched, dispatcher.OwnedByUnit, unitGN, unitGN
		c.Owners = append(c.Owners, unitGN)
		c.Clocks.Handling = newCase(0).Clocks.Handling
		markOverdue(c)
		c.UpdatedAt = created.Add(time.Hour)
	})
	check("dispatched", dispatcher.CaseFilter{Unit: unitGN}, true)
	check("dispatched", dispatcher.CaseFilter{Owner: cmd}, false)
	check("dispatched", dispatcher.CaseFilter{VisibleTo: unitGN}, true)
	check("dispatched", dispatcher.CaseFilter{States: []dispatcher.State{dispatcher.Registered}}, false)
	check("dispatched", dispatcher.CaseFilter{UpdatedAfter: created}, true)
	check("dispatched", dispatcher.CaseFilter{Overdue: &yes}, true)

	update(t, s, c, 1, func(c *dispatcher.Case) { // recategorised and re-routed to 文龙
		c.Category, c.Routing.Jurisdiction, c.Owner, c.Unit = catStall, jurWL, unitWL, unitWL
		c.Owners = append(c.Owners, unitWL)
		c.UpdatedAt = created.Add(2 * time.Hour)
	})
	check("re-routed", dispatcher.CaseFilter{Category: catLitter}, false)
	check("re-routed", dispatcher.CaseFilter{Category: catStall, Jurisdiction: jurWL, Unit: unitWL}, true)
	check("re-routed", dispatcher.CaseFilter{VisibleTo: unitGN}, true)

	update(t, s, c, 1, func(c *dispatcher.Case) { finish(c, dispatcher.Closed) })
	check("closed", dispatcher.CaseFilter{Open: &no}, true)
	check("closed", dispatcher.CaseFilter{Overdue: &yes}, false)
	check("closed", dispatcher.CaseFilter{Owner: unitWL}, false)
}

func testDueCases(t *testing.T, s dispatcher.Store) {
	ctx := t.Context()
	at := func(m int) time.Time { return base.Add(time.Duration(m) * time.Minute) }
	due := []*time.Time{ptr(at(180)), ptr(at(60)), ptr(at(120)), nil, ptr(at(600))}
	cs := make([]*dispatcher.Case, len(due))
	for i, d := range due {
		cs[i] = newCase(i)
		cs[i].NextDue = d
		create(t, s, cs[i], 1)
	}
	check := func(name string, now time.Time, limit int, want ...int) {
		t.Helper()
		ids, err := s.DueCases(ctx, now, limit)
		must(t, err, "DueCases")
		w := make([]int64, len(want))
		for i, k := range want {
			w[i] = cs[k].ID
		}
		if !slices.Equal(ids, w) {
			t.Errorf("DueCases %s: %v, want %v", name, ids, w)
		}
	}
	check("before any", at(59), 10)
	check("one due", at(60), 10, 1) // at or before now
	check("two due", at(150), 10, 1, 2)
	check("three due", at(300), 10, 1, 2, 0)
	check("limit", at(300), 2, 1, 2)
	check("all due", at(6000), 10, 1, 2, 0, 4)

	update(t, s, cs[1], 1, func(c *dispatcher.Case) { c.NextDue = nil })
	check("after clearing NextDue", at(300), 10, 2, 0)
	update(t, s, cs[4], 1, func(c *dispatcher.Case) { c.NextDue = ptr(at(30)) })
	check("after moving NextDue", at(300), 10, 4, 2, 0)
}

func testCaseIDs(t *testing.T, s dispatcher.Store) {
	ctx := t.Context()
	if ids, err := s.CaseIDs(ctx, 0, 10); err != nil || len(ids) != 0 {
		t.Fatalf("CaseIDs of an empty store: %v, %v", ids, err)
	}
	var all []int64
	for i := range 5 {
		c := newCase(i)
		create(t, s, c, 1)
		all = append(all, c.ID)
	}
	var got []int64
	after := int64(0)
	for range 10 {
		page, err := s.CaseIDs(ctx, after, 2)
		must(t, err, "CaseIDs")
		if len(page) > 2 {
			t.Fatalf("CaseIDs(%d, 2) returned %d ids", after, len(page))
		}
		if len(page) == 0 {
			break
		}
		got = append(got, page...)
		after = page[len(page)-1]
	}
	if !slices.Equal(got, all) {
		t.Errorf("CaseIDs in pages of 2: %v, want %v", got, all)
	}
	rest, err := s.CaseIDs(ctx, all[2], 100)
	must(t, err, "CaseIDs")
	if !slices.Equal(rest, all[3:]) {
		t.Errorf("CaseIDs after %d: %v, want %v", all[2], rest, all[3:])
	}
}
