package storetest

import (
	"slices"
	"testing"
	"time"

	"cityhub/dispatcher"
)

// API key ids of the publication fixtures.
const (
	keyFMS   = "a1b2c3d4e5f6"
	keyOther = "0f0e0d0c0b0a"
)

// publicationCases stores six cases that differ in what the public and the api keys may read:
//
//	0 hotline, publication not recorded        private (intake rule)
//	1 open311, publication not recorded        public (intake rule)
//	2 open311 by keyFMS, the reporter asked     private
//	3 web, 举报, publication not recorded        private (intake rule: 举报 never public)
//	4 hotline, published by the centre          public
//	5 open311 by keyOther                       public
func publicationCases(t *testing.T, s dispatcher.Store) []*dispatcher.Case {
	cs := make([]*dispatcher.Case, 6)
	for i := range cs {
		cs[i] = newCase(i)
	}
	cs[1].Channel = dispatcher.ChannelOpen311
	cs[2].Channel, cs[2].APIKey = dispatcher.ChannelOpen311, keyFMS
	cs[2].Publication, cs[2].ReporterPrivate = dispatcher.Private, true
	cs[3].Channel, cs[3].Nature = dispatcher.ChannelWeb, dispatcher.NatureReport
	cs[4].Publication = dispatcher.Public
	cs[5].Channel, cs[5].APIKey, cs[5].Publication = dispatcher.ChannelOpen311, keyOther, dispatcher.Public
	for _, c := range cs {
		create(t, s, c, 3)
	}
	return cs
}

func testListCasesPublication(t *testing.T, s dispatcher.Store) {
	cs := publicationCases(t, s)
	tests := []struct {
		name string
		f    dispatcher.CaseFilter
		want []int
	}{
		{"Published", dispatcher.CaseFilter{Published: true}, []int{1, 4, 5}},
		{"APIKey alone", dispatcher.CaseFilter{APIKey: keyFMS}, []int{2}},
		{"Published and APIKey", dispatcher.CaseFilter{Published: true, APIKey: keyFMS}, []int{1, 2, 4, 5}},
		{"Published and a key with public cases only", dispatcher.CaseFilter{Published: true, APIKey: keyOther}, []int{1, 4, 5}},
		{"unknown APIKey", dispatcher.CaseFilter{APIKey: "ffffffffffff"}, []int{}},
		{"Published, Newest, paged", dispatcher.CaseFilter{Published: true, APIKey: keyFMS, Newest: true, Limit: 2}, []int{5, 4}},
		{"Published and Numbers", dispatcher.CaseFilter{Published: true,
			Numbers: []string{cs[0].Number, cs[1].Number, cs[2].Number}}, []int{1}},
		{"Published and Channel", dispatcher.CaseFilter{Published: true, Channel: dispatcher.ChannelHotline}, []int{4}},
	}
	for _, tc := range tests {
		total := -1
		if tc.f.Limit > 0 {
			total = 4
		}
		wantCases(t, s, tc.name, tc.f, cs, tc.want, total)
	}
}

// testListCasesCategories checks the list of categories, alone and with the single one.
func testListCasesCategories(t *testing.T, s dispatcher.Store) {
	cs := filterCases(t, s)
	wantCases(t, s, "Categories", dispatcher.CaseFilter{Categories: []string{catStall, catMuck}}, cs, []int{1, 3, 4}, -1)
	wantCases(t, s, "one of Categories", dispatcher.CaseFilter{Categories: []string{catMuck}}, cs, []int{3}, -1)
	wantCases(t, s, "Categories and Category", dispatcher.CaseFilter{Categories: []string{catStall, catMuck},
		Category: catStall}, cs, []int{1, 4}, -1)
	wantCases(t, s, "Categories none known", dispatcher.CaseFilter{Categories: []string{"9999"}}, cs, []int{}, -1)
}

// testPublicationFollowsUpdates checks that the publication columns follow every write: a case
// made private leaves the public list at once, one made public joins it.
func testPublicationFollowsUpdates(t *testing.T, s dispatcher.Store) {
	cs := publicationCases(t, s)
	update(t, s, cs[4], 1, func(c *dispatcher.Case) { c.Publication = dispatcher.Private })
	update(t, s, cs[0], 1, func(c *dispatcher.Case) { c.Publication = dispatcher.Public })
	wantCases(t, s, "Published after updates", dispatcher.CaseFilter{Published: true}, cs, []int{0, 1, 5}, -1)
	evs, err := s.ListEvents(t.Context(), dispatcher.EventFilter{Published: true, Limit: 100})
	must(t, err, "ListEvents")
	if got := caseIDsOf(evs); !slices.Equal(got, []int64{cs[0].ID, cs[1].ID, cs[5].ID}) {
		t.Errorf("events of public cases after updates: cases %v, want %d %d %d", got, cs[0].ID, cs[1].ID, cs[5].ID)
	}
}

// testListEvents checks ListEvents' filters: types, the time window (From inclusive, To
// exclusive), the cases' publication and api key, the limit, and ID order.
func testListEvents(t *testing.T, s dispatcher.Store) {
	ctx := t.Context()
	cs := publicationCases(t, s)
	more := update(t, s, cs[1], 2, nil) // events 4 and 5 of case 1: "acknowledged", "progress"
	all, err := s.EventsAfter(ctx, 0, 1000)
	must(t, err, "EventsAfter")
	pick := func(keep func(e *dispatcher.Event) bool) []*dispatcher.Event {
		var out []*dispatcher.Event
		for _, e := range all {
			if keep(e) {
				out = append(out, e)
			}
		}
		return out
	}
	public := map[int64]bool{cs[1].ID: true, cs[4].ID: true, cs[5].ID: true}
	second := more[0].At // the window below starts exactly at an event and ends exactly at another
	from, to := cs[1].CreatedAt.Add(2*time.Minute), second
	tests := []struct {
		name string
		f    dispatcher.EventFilter
		want []*dispatcher.Event
	}{
		{"zero filter", dispatcher.EventFilter{Limit: 1000}, all},
		{"Types", dispatcher.EventFilter{Types: []string{"registered", "progress"}, Limit: 1000},
			pick(func(e *dispatcher.Event) bool { return e.Type == "registered" || e.Type == "progress" })},
		{"From inclusive, To exclusive", dispatcher.EventFilter{From: all[4].At, To: second, Limit: 1000},
			pick(func(e *dispatcher.Event) bool { return !e.At.Before(all[4].At) && e.At.Before(second) })},
		{"Published", dispatcher.EventFilter{Published: true, Limit: 1000},
			pick(func(e *dispatcher.Event) bool { return public[e.CaseID] })},
		{"APIKey alone", dispatcher.EventFilter{APIKey: keyFMS, Limit: 1000},
			pick(func(e *dispatcher.Event) bool { return e.CaseID == cs[2].ID })},
		{"Published and APIKey", dispatcher.EventFilter{Published: true, APIKey: keyFMS, Limit: 1000},
			pick(func(e *dispatcher.Event) bool { return public[e.CaseID] || e.CaseID == cs[2].ID })},
		{"everything together", dispatcher.EventFilter{Types: []string{"dispatched", "acknowledged"}, From: from,
			To: to.Add(time.Microsecond), Published: true, Limit: 1000},
			pick(func(e *dispatcher.Event) bool {
				return public[e.CaseID] && (e.Type == "dispatched" || e.Type == "acknowledged") &&
					!e.At.Before(from) && !e.At.After(to)
			})},
		{"Limit", dispatcher.EventFilter{Published: true, Limit: 2},
			pick(func(e *dispatcher.Event) bool { return public[e.CaseID] })[:2]},
	}
	for _, tc := range tests {
		got, err := s.ListEvents(ctx, tc.f)
		must(t, err, "ListEvents "+tc.name)
		if len(tc.want) == 0 {
			t.Fatalf("ListEvents %s: the fixture selects nothing", tc.name)
		}
		if !slices.Equal(eventIDs(got), eventIDs(tc.want)) {
			t.Errorf("ListEvents %s: events %v, want %v", tc.name, eventIDs(got), eventIDs(tc.want))
			continue
		}
		sameEvents(t, "ListEvents "+tc.name, got, tc.want)
	}
	if got, err := s.ListEvents(ctx, dispatcher.EventFilter{}); err != nil || len(got) != min(len(all), 100) {
		t.Errorf("ListEvents with Limit 0: %d events, %v; want at most 100", len(got), err)
	}
}

// caseIDsOf lists the distinct case ids of events, in order of first appearance.
func caseIDsOf(evs []*dispatcher.Event) []int64 {
	var ids []int64
	for _, e := range evs {
		if !slices.Contains(ids, e.CaseID) {
			ids = append(ids, e.CaseID)
		}
	}
	return ids
}
