// Package storetest is the conformance suite of dispatcher.Store: every implementation runs Run
// unchanged. It checks only the documented contract of the interface, plus the choices below
// where the contract leaves room; an implementation must make the same ones.
//
//   - TokenAccount returns ENotFound for a token that has expired (as for one that never existed).
//   - CaseEvents returns ENotFound for a case that does not exist; CaseByExternalID with an
//     empty message id is ENotFound (an empty id never matches).
//   - TokenAccount returns the account as it is now (replaced, even disabled): the caller judges.
//   - Tokens leaves out the tokens that have expired; DeleteAccountTokens counts them.
//   - Accounts, APIKeys, Tallies: the order of the rows is not checked; a tally row whose count
//     is 0 may be returned or left out.
//   - Times are handed to the store in UTC, truncated to the microsecond, and must come back
//     equal in their JSON encoding (so to the microsecond, in UTC).
//   - An event whose Seq its case already has (or that another event of the same call has) is
//     refused, with any error; the call then writes nothing.
//   - Event.Data, a raw JSON message, comes back byte for byte (in compact form): the hash chain
//     covers it.
//   - A case's body comes back so that CaseDigest gives what it gave before writing (nil and empty
//     lists stay apart, times keep their nanoseconds); Case and CaseByNumber give its seal.
//
// open must return a new, empty store and close it when its test ends (t.Cleanup). The subtests
// run one after another; each opens its own store.
package storetest

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"cityhub/dispatcher"
)

// Run runs the conformance suite against the stores open makes.
func Run(t *testing.T, open func(t *testing.T) dispatcher.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s dispatcher.Store)
	}{
		{"Ping", testPing},
		{"CaseRoundTrip", testCaseRoundTrip},
		{"NumberCompletion", testNumberCompletion},
		{"DuplicateExternalID", testDuplicateExternalID},
		{"UpdateConflict", testUpdateConflict},
		{"UpdateMissingCase", testUpdateMissingCase},
		{"Atomicity", testAtomicity},
		{"NotFound", testNotFound},
		{"EventIDs", testEventIDs},
		{"CaseEvents", testCaseEvents},
		{"EventsAfterPaging", testEventsAfterPaging},
		{"ListCasesFilters", testListCasesFilters},
		{"ListCasesPaging", testListCasesPaging},
		{"ListCasesDefaultLimit", testListCasesDefaultLimit},
		{"ListCasesFollowsUpdates", testListCasesFollowsUpdates},
		{"ListCasesPublication", testListCasesPublication},
		{"ListCasesCategories", testListCasesCategories},
		{"PublicationFollowsUpdates", testPublicationFollowsUpdates},
		{"ListEvents", testListEvents},
		{"DueCases", testDueCases},
		{"CaseIDs", testCaseIDs},
		{"Tallies", testTallies},
		{"Reference", testReference},
		{"InitReference", testInitReference},
		{"Accounts", testAccounts},
		{"Tokens", testTokens},
		{"TokenUse", testTokenUse},
		{"TokenRevocation", testTokenRevocation},
		{"APIKeys", testAPIKeys},
		{"WriteAdmin", testWriteAdmin},
		{"CellTallies", testCellTallies},
		{"ListCasesCells", testListCasesCells},
		{"ReportersIndex", testReportersIndex},
		{"Calls", testCalls},
		{"CallBlocks", testCallBlocks},
		{"DisplayTokens", testDisplayTokens},
		{"ConcurrentCreate", testConcurrentCreate},
		{"ConcurrentFailuresStayApart", testConcurrentFailuresStayApart},
		{"ConcurrentUpdate", testConcurrentUpdate},
		{"CloseWhileWriting", testCloseWhileWriting},
		{"DigestRoundTrip", testDigestRoundTrip},
		{"SealKept", testSealKept},
		{"StoredCases", testStoredCases},
		{"AuditTallies", testAuditTallies},
		{"AuditLog", testAuditLog},
		{"ConcurrentAppend", testConcurrentAppend},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

func testPing(t *testing.T, s dispatcher.Store) {
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

// must fails the test now if err is not nil.
func must(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// wantCode fails the test now unless err is a *dispatcher.Error with the code.
func wantCode(t *testing.T, err error, code, what string) {
	t.Helper()
	if got := dispatcher.ErrorCode(err); got != code {
		t.Fatalf("%s: error %v (code %q), want code %q", what, err, got, code)
	}
}

// sameJSON reports (as a test error) whether got and want differ in their JSON encoding.
func sameJSON(t *testing.T, what string, got, want any) bool {
	t.Helper()
	g, err := json.Marshal(got)
	must(t, err, "encode "+what)
	w, err := json.Marshal(want)
	must(t, err, "encode "+what)
	if !bytes.Equal(g, w) {
		t.Errorf("%s differs:\n got %s\nwant %s", what, g, w)
		return false
	}
	return true
}

// sameEvents compares events by their JSON encoding and their Visible units (which the encoding
// leaves out).
func sameEvents(t *testing.T, what string, got, want []*dispatcher.Event) {
	t.Helper()
	if !sameJSON(t, what, got, want) {
		return
	}
	for i := range got {
		if !slices.Equal(got[i].Visible, want[i].Visible) {
			t.Errorf("%s: event %d visible to %q, want %q", what, got[i].ID, got[i].Visible, want[i].Visible)
		}
	}
}

// eventIDs are the IDs of events, in order.
func eventIDs(evs []*dispatcher.Event) []int64 {
	ids := make([]int64, len(evs))
	for i, e := range evs {
		ids[i] = e.ID
	}
	return ids
}

// caseIDs are the IDs of cases, in order.
func caseIDs(cs []*dispatcher.Case) []int64 {
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	return ids
}

// increasing reports whether ids are strictly increasing.
func increasing(ids []int64) bool {
	for i := 1; i < len(ids); i++ {
		if ids[i] <= ids[i-1] {
			return false
		}
	}
	return true
}
