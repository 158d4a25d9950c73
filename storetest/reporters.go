package storetest

import (
	"testing"

	"cityhub/dispatcher"
)

// testReportersIndex: the reporters a case has besides its first are found like the first: a
// joined report's phone and OpenID find the case it joined, its channel message id finds it too;
// once a case is merged, its reporters find the case it was merged into, and MergedInto lists it.
// ExceptStates leaves out the states named.
func testReportersIndex(t *testing.T, s dispatcher.Store) {
	cs := filterCases(t, s)
	a, b := cs[0], cs[4]
	update(t, s, a, 1, func(c *dispatcher.Case) {
		c.Reports = append(c.Reports, dispatcher.Report{Seq: 1, At: base, Channel: dispatcher.ChannelWeb,
			Reporter: dispatcher.Contact{Phone: "13700000001"}, ExternalID: "web-join-1"},
			dispatcher.Report{Seq: 2, At: base, Channel: dispatcher.ChannelWeChat,
				Reporter: dispatcher.Contact{OpenID: "oJoined"}, ExternalID: "9001"})
	})
	wantCases(t, s, "joined phone", dispatcher.CaseFilter{Phone: "13700000001"}, cs, []int{0}, -1)
	wantCases(t, s, "joined openid", dispatcher.CaseFilter{OpenID: "oJoined"}, cs, []int{0}, -1)
	got, err := s.CaseByExternalID(t.Context(), dispatcher.ChannelWeb, "web-join-1")
	must(t, err, "CaseByExternalID of a joined report")
	if got.ID != a.ID {
		t.Errorf("CaseByExternalID of a joined report: case %d, want %d", got.ID, a.ID)
	}
	if _, err := s.CaseByExternalID(t.Context(), dispatcher.ChannelHotline, "web-join-1"); dispatcher.ErrorCode(err) != dispatcher.ENotFound {
		t.Errorf("another channel's message id found a case: %v", err)
	}
	b.Reporter = dispatcher.Contact{Phone: "13700000002", OpenID: "oMerged"}
	update(t, s, b, 1, func(c *dispatcher.Case) {
		finish(c, dispatcher.Merged)
		c.MergedInto = a.Number
	})
	wantCases(t, s, "merged reporter's phone", dispatcher.CaseFilter{Phone: "13700000002"}, cs, []int{0, 4}, -1)
	wantCases(t, s, "merged reporter's openid", dispatcher.CaseFilter{OpenID: "oMerged"}, cs, []int{0, 4}, -1)
	wantCases(t, s, "merged into", dispatcher.CaseFilter{MergedInto: a.Number}, cs, []int{4}, -1)
	wantCases(t, s, "merged into a case nothing was merged into", dispatcher.CaseFilter{MergedInto: cs[1].Number}, cs, nil, 0)
	wantCases(t, s, "except merged and voided", dispatcher.CaseFilter{ExceptStates: []dispatcher.State{dispatcher.Merged, dispatcher.Voided}},
		cs, []int{0, 1, 2, 3}, -1)
	update(t, s, b, 1, nil) // a later write of the merged case adds nothing twice
	wantCases(t, s, "merged into, after another write", dispatcher.CaseFilter{MergedInto: a.Number}, cs, []int{4}, -1)
}
