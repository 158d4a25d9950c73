package storetest

import (
	"bytes"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"cityhub/dispatcher"

	"golang.org/x/mod/sumdb/tlog"
)

// What the audit reads (dispatcher.AuditSource, dispatcher.LogStore): the seal of a case, the rows
// as stored, and the district-wide log.

func auditSource(t *testing.T, s dispatcher.Store) dispatcher.AuditSource {
	t.Helper()
	src, ok := s.(dispatcher.AuditSource)
	if !ok {
		t.Fatalf("%T does not implement dispatcher.AuditSource", s)
	}
	return src
}

func logStore(t *testing.T, s dispatcher.Store) dispatcher.LogStore {
	t.Helper()
	ls, ok := s.(dispatcher.LogStore)
	if !ok {
		t.Fatalf("%T does not implement dispatcher.LogStore", s)
	}
	return ls
}

// storedCase reads one case as the audit does.
func storedCase(t *testing.T, s dispatcher.Store, id int64) *dispatcher.StoredCase {
	t.Helper()
	var page []*dispatcher.StoredCase
	must(t, auditSource(t, s).ReadForAudit(t.Context(), func(r dispatcher.AuditReader) error {
		var err error
		page, err = r.StoredCases(t.Context(), id-1, 1)
		return err
	}), "StoredCases")
	if len(page) != 1 || page[0].Case.ID != id {
		t.Fatalf("StoredCases(%d, 1) = %d cases, want case %d", id-1, len(page), id)
	}
	return page[0]
}

// digestVariants are cases in every state the fixtures make, and with the parts whose encoding
// a store could change: nil and empty lists and maps, times with nanoseconds (which the body
// keeps) and in every optional field.
func digestVariants() map[string]*dispatcher.Case {
	out := map[string]*dispatcher.Case{"in progress": newCase(0)}
	full := newCase(1)
	full.Channel, full.ExternalID, full.Urgent = dispatcher.ChannelWeChat, "wx-digest", true
	full.Arbitration, full.ReworkCount, full.Inspector, full.RepeatOf = "pending", 1, "insp1", "QJ20261126000007"
	full.Extension = &dispatcher.ExtensionRequest{RequestedBy: "gn-lead", RequestedAt: base.Add(time.Hour),
		Limit: dispatcher.Limit{Value: 2, Unit: dispatcher.WorkDay}, Reason: "需协调住建部门"}
	full.LegalReview = &dispatcher.LegalReview{Reviewer: "legal1", At: base.Add(2 * time.Hour), Approved: true,
		Decision: dispatcher.Decision{Kind: dispatcher.DecisionFine, Amount: 2000, Text: "罚款 2000 元"}, Opinion: "事实清楚 <依法>"}
	full.Clocks.Checking = &dispatcher.Clock{Limit: dispatcher.Limit{Value: 2, Unit: dispatcher.WorkHour},
		StartedAt: base, Deadline: base.Add(2 * time.Hour), WarnAt: base.Add(96*time.Minute + 800),
		SuspendedAt: ptr(base.Add(30 * time.Minute))}
	out["every optional part"] = full
	empty := newCase(2)
	empty.Media, empty.Returns, empty.Routing.CoHandlers = []string{}, map[string]int{}, []string{}
	empty.Clocks.Handling.History = []time.Time{}
	out["empty lists and maps"] = empty
	none := newCase(3)
	none.Media, none.Returns, none.Routing.CoHandlers, none.Clocks.Handling.History = nil, nil, nil, nil
	out["no lists and maps"] = none
	overdue := newCase(4)
	markOverdue(overdue)
	out["overdue"] = overdue
	for i, st := range []dispatcher.State{dispatcher.Closed, dispatcher.Answered, dispatcher.Rejected,
		dispatcher.Voided, dispatcher.Merged} {
		c := newCase(5 + i)
		finish(c, st)
		c.Satisfaction = "satisfied"
		out[string(st)] = c
	}
	return out
}

// testDigestRoundTrip: the digest of a case read back (by Case and as the audit reads it) equals
// the digest computed before writing, after a create and after an update, and the seal comes back.
func testDigestRoundTrip(t *testing.T, s dispatcher.Store) {
	for name, c := range digestVariants() {
		c.Seal = dispatcher.NewSeal()
		want := dispatcher.CaseDigest(c)
		create(t, s, c, 2)
		checkDigest(t, s, name+", created", c, want)
		update(t, s, c, 1, func(c *dispatcher.Case) { c.UpdatedAt = c.UpdatedAt.Add(time.Hour) })
		checkDigest(t, s, name+", updated", c, dispatcher.CaseDigest(c))
	}
}

func checkDigest(t *testing.T, s dispatcher.Store, what string, c *dispatcher.Case, want string) {
	t.Helper()
	got, err := s.Case(t.Context(), c.ID)
	must(t, err, "Case")
	if !bytes.Equal(got.Seal, c.Seal) {
		t.Errorf("%s: Case gave seal %x, want %x", what, got.Seal, c.Seal)
	}
	if d := dispatcher.CaseDigest(got); d != want {
		t.Errorf("%s: the digest of the case read back is %s, before writing it was %s", what, d, want)
	}
	byNumber, err := s.CaseByNumber(t.Context(), c.Number)
	must(t, err, "CaseByNumber")
	if !bytes.Equal(byNumber.Seal, c.Seal) {
		t.Errorf("%s: CaseByNumber gave seal %x, want %x", what, byNumber.Seal, c.Seal)
	}
	if d := dispatcher.CaseDigest(storedCase(t, s, c.ID).Case); d != want {
		t.Errorf("%s: the digest of the case as the audit reads it is %s, before writing it was %s", what, d, want)
	}
}

// testSealKept: a case keeps the first seal it is given; a case without one (written before seals
// existed) takes the seal of its next write.
func testSealKept(t *testing.T, s dispatcher.Store) {
	c := newCase(0)
	create(t, s, c, 1)
	if got, err := s.Case(t.Context(), c.ID); err != nil || len(got.Seal) != 0 {
		t.Fatalf("a case created without a seal came back with seal %x (%v)", got.Seal, err)
	}
	first := dispatcher.NewSeal()
	update(t, s, c, 1, func(c *dispatcher.Case) { c.Seal = first })
	update(t, s, c, 1, func(c *dispatcher.Case) { c.Seal = dispatcher.NewSeal() })
	got, err := s.Case(t.Context(), c.ID)
	must(t, err, "Case")
	if !bytes.Equal(got.Seal, first) {
		t.Errorf("seal after two updates %x, want the first one given, %x", got.Seal, first)
	}
}

// testStoredCases: the audit's reader gives the columns, case_units rows and events as written,
// a page at a time, and no stray rows in a store written through its methods.
func testStoredCases(t *testing.T, s dispatcher.Store) {
	cases := []*dispatcher.Case{newCase(0), newCase(1), newCase(2)}
	markOverdue(cases[1])
	finish(cases[2], dispatcher.Closed)
	cases[2].Channel, cases[2].ExternalID = dispatcher.ChannelWeb, "web-9"
	events := map[int64][]*dispatcher.Event{}
	for _, c := range cases {
		c.Seal = dispatcher.NewSeal()
		evs := create(t, s, c, 2)
		events[c.ID] = append(evs, update(t, s, c, 1, nil)...)
	}
	var got []*dispatcher.StoredCase
	must(t, auditSource(t, s).ReadForAudit(t.Context(), func(r dispatcher.AuditReader) error {
		for after := int64(0); ; {
			page, err := r.StoredCases(t.Context(), after, 2)
			if err != nil || len(page) == 0 {
				return err
			}
			got, after = append(got, page...), page[len(page)-1].Case.ID
		}
	}), "StoredCases")
	if len(got) != len(cases) {
		t.Fatalf("StoredCases gave %d cases, want %d", len(got), len(cases))
	}
	for i, sc := range got {
		checkStoredCase(t, sc, cases[i], events[cases[i].ID])
	}
	var strayEvents []*dispatcher.StoredEvent
	var strayUnits []dispatcher.CaseUnit
	must(t, auditSource(t, s).ReadForAudit(t.Context(), func(r dispatcher.AuditReader) error {
		var err error
		strayEvents, strayUnits, err = r.StrayRows(t.Context())
		return err
	}), "StrayRows")
	if len(strayEvents) != 0 || len(strayUnits) != 0 {
		t.Errorf("StrayRows of a store written through its methods: %d events, %d case units", len(strayEvents), len(strayUnits))
	}
}

func checkStoredCase(t *testing.T, sc *dispatcher.StoredCase, c *dispatcher.Case, evs []*dispatcher.Event) {
	t.Helper()
	sameJSON(t, "stored case body", sc.Case, c)
	if !bytes.Equal(sc.Case.Seal, c.Seal) {
		t.Errorf("case %s: stored seal %x, want %x", c.Number, sc.Case.Seal, c.Seal)
	}
	want := dispatcher.CaseColumns{Number: c.Number, State: string(c.State), Owner: c.Owner, Unit: c.Unit,
		Channel: c.Channel, ExternalID: c.ExternalID, Category: c.Category, Jurisdiction: c.Routing.Jurisdiction,
		Overdue: c.IsOverdue(), CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, NextDue: c.NextDue, Version: c.Version,
		Public: c.IsPublic(), APIKey: c.APIKey}
	sameJSON(t, "columns of case "+c.Number, sc.Columns, want)
	if units, owners := sortedCopy(sc.Units), sortedCopy(c.Owners); !slices.Equal(units, owners) {
		t.Errorf("case %s: case_units rows %v, want its owners %v", c.Number, units, owners)
	}
	plain := make([]*dispatcher.Event, len(sc.Events))
	for i, e := range sc.Events {
		plain[i] = e.Event
		if e.TypeColumn != e.Type || !e.AtColumn.Equal(e.At) {
			t.Errorf("event %d: columns type %q at %v, body %q %v", e.ID, e.TypeColumn, e.AtColumn, e.Type, e.At)
		}
	}
	sameEvents(t, "stored events of case "+c.Number, plain, evs)
}

func sortedCopy(xs []string) []string {
	out := slices.Clone(xs)
	slices.Sort(out)
	return out
}

// testAuditTallies: the audit's reader gives every day counter and gauge, and the month rollups,
// as the tallies written add up.
func testAuditTallies(t *testing.T, s dispatcher.Store) {
	c := newCase(0)
	var written []dispatcher.Tally
	for _, day := range []string{"2026-10-31", "2026-11-01", "2026-11-30", "2026-12-01"} {
		written = append(written, caseTallies(c, day, dispatcher.MReceived, 1)...)
		written = append(written, caseTallies(c, day, dispatcher.MClosed, 2)...)
	}
	written = append(written, caseTallies(c, "", dispatcher.MOverdueOpen, 1)...)
	create(t, s, c, 1, written[:20]...)
	update(t, s, c, 1, nil, written[20:]...)
	days, months := map[dispatcher.TallyRecord]int64{}, map[dispatcher.TallyRecord]int64{}
	for _, w := range written {
		k := dispatcher.TallyRecord{Day: w.Day, Dim: w.Dim, Key: w.Key, Measure: w.Measure}
		days[k] += w.Delta
		if w.Day != "" {
			k.Day = w.Day[:7]
			months[k] += w.Delta
		}
	}
	gotDays, gotMonths := map[dispatcher.TallyRecord]int64{}, map[dispatcher.TallyRecord]int64{}
	must(t, auditSource(t, s).ReadForAudit(t.Context(), func(r dispatcher.AuditReader) error {
		collect := func(into map[dispatcher.TallyRecord]int64) func(dispatcher.TallyRecord) error {
			return func(t dispatcher.TallyRecord) error {
				n := t.Count
				t.Count = 0
				into[t] += n
				return nil
			}
		}
		if err := r.Tallies(t.Context(), collect(gotDays)); err != nil {
			return err
		}
		return r.TallyMonths(t.Context(), collect(gotMonths))
	}), "Tallies and TallyMonths")
	if !maps.Equal(gotDays, days) {
		t.Errorf("day counters and gauges:\n got %v\nwant %v", gotDays, days)
	}
	if !maps.Equal(gotMonths, months) {
		t.Errorf("month rollups:\n got %v\nwant %v", gotMonths, months)
	}
}

// memTree is the Merkle tree of leaves kept in memory, the oracle of the log tests.
func memTree(t *testing.T, leaves []dispatcher.LogLeaf) tlog.Hash {
	t.Helper()
	var hashes []tlog.Hash
	r := tlog.HashReaderFunc(func(ix []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(ix))
		for i, x := range ix {
			out[i] = hashes[x]
		}
		return out, nil
	})
	for i, l := range leaves {
		hs, err := tlog.StoredHashes(int64(i), l.Record(), r)
		must(t, err, "StoredHashes")
		hashes = append(hashes, hs...)
	}
	root, err := tlog.TreeHash(int64(len(leaves)), r)
	must(t, err, "TreeHash")
	return root
}

// readLog reads the whole log and its root as the store keeps them.
func readLog(t *testing.T, ls dispatcher.LogStore) ([]dispatcher.LogLeaf, tlog.Hash) {
	t.Helper()
	ctx := t.Context()
	size, err := ls.LogSize(ctx)
	must(t, err, "LogSize")
	var leaves []dispatcher.LogLeaf
	for int64(len(leaves)) < size {
		page, err := ls.LogLeaves(ctx, int64(len(leaves)), 3)
		must(t, err, "LogLeaves")
		if len(page) == 0 {
			t.Fatalf("LogLeaves(%d) is empty, the log has %d leaves", len(leaves), size)
		}
		leaves = append(leaves, page...)
	}
	root, err := tlog.TreeHash(size, tlog.HashReaderFunc(func(ix []int64) ([]tlog.Hash, error) {
		return ls.LogHashes(ctx, ix)
	}))
	must(t, err, "TreeHash of the stored log")
	return leaves, root
}

// wantLog checks that the log holds exactly the events, once each, in ID order, and that its
// stored tree is the tree of its leaves.
func wantLog(t *testing.T, ls dispatcher.LogStore, events []*dispatcher.Event) {
	t.Helper()
	leaves, root := readLog(t, ls)
	if len(leaves) != len(events) {
		t.Fatalf("the log has %d leaves, want one per event: %d", len(leaves), len(events))
	}
	for i, l := range leaves {
		e := events[i]
		want := dispatcher.LogLeaf{Index: int64(i), EventID: e.ID, CaseID: e.CaseID, Number: e.Summary.Number, Seq: e.Seq, Hash: e.Hash}
		if l != want {
			t.Fatalf("leaf %d is %+v, want %+v", i, l, want)
		}
	}
	if want := memTree(t, leaves); root != want {
		t.Errorf("the stored tree's root is %s, its leaves give %s", root, want)
	}
}

// allEvents is every event of the store, in ID order.
func allEvents(t *testing.T, s dispatcher.Store) []*dispatcher.Event {
	t.Helper()
	var out []*dispatcher.Event
	for {
		after := int64(0)
		if len(out) > 0 {
			after = out[len(out)-1].ID
		}
		page, err := s.EventsAfter(t.Context(), after, 500)
		must(t, err, "EventsAfter")
		if len(page) == 0 {
			return out
		}
		out = append(out, page...)
	}
}

// testAuditLog: AppendLog appends each event once, in ID order, and only what is new; the stored
// tree is the tree of the leaves; checkpoints are kept by size, the first of a size staying.
func testAuditLog(t *testing.T, s dispatcher.Store) {
	ctx := t.Context()
	ls := logStore(t, s)
	if n, err := dispatcher.AppendLog(ctx, ls); err != nil || n != 0 {
		t.Fatalf("AppendLog of an empty store = %d, %v", n, err)
	}
	a, b := newCase(0), newCase(1)
	create(t, s, a, 3)
	create(t, s, b, 2)
	update(t, s, a, 1, nil)
	if n, err := dispatcher.AppendLog(ctx, ls); err != nil || n != 6 {
		t.Fatalf("AppendLog = %d, %v; want the 6 events", n, err)
	}
	wantLog(t, ls, allEvents(t, s))
	if n, err := dispatcher.AppendLog(ctx, ls); err != nil || n != 0 {
		t.Errorf("AppendLog again = %d, %v; want nothing new", n, err)
	}
	update(t, s, b, 2, nil)
	if n, err := dispatcher.AppendLog(ctx, ls); err != nil || n != 2 {
		t.Errorf("AppendLog after 2 more events = %d, %v", n, err)
	}
	wantLog(t, ls, allEvents(t, s))
	if _, err := ls.LogHashes(ctx, []int64{0, 1_000_000}); err == nil {
		t.Errorf("LogHashes of an index beyond the tree gave no error")
	}
	testCheckpoints(t, ls)
}

func testCheckpoints(t *testing.T, ls dispatcher.LogStore) {
	ctx := t.Context()
	at := base.Add(time.Hour)
	first := dispatcher.Checkpoint{Size: 8, Root: tlog.Hash{1, 2, 3}, Note: "first note\n", CreatedAt: at}
	for _, c := range []dispatcher.Checkpoint{first, {Size: 3, Root: tlog.Hash{9}, Note: "small\n", CreatedAt: at},
		{Size: 8, Root: tlog.Hash{4}, Note: "second of size 8\n", CreatedAt: at.Add(time.Minute)}} {
		must(t, ls.PutCheckpoint(ctx, c), "PutCheckpoint")
	}
	got, err := ls.Checkpoints(ctx)
	must(t, err, "Checkpoints")
	want := []dispatcher.Checkpoint{{Size: 3, Root: tlog.Hash{9}, Note: "small\n", CreatedAt: at}, first}
	sameJSON(t, "Checkpoints", got, want)
}

// testConcurrentAppend: appenders running while writers write (as the appenders of several
// instances do) log every event exactly once, in ID order.
func testConcurrentAppend(t *testing.T, s dispatcher.Store) {
	ctx := t.Context()
	ls := logStore(t, s)
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for {
				if _, err := dispatcher.AppendLog(ctx, ls); err != nil {
					t.Errorf("AppendLog while writing: %v", err)
					return
				}
				select {
				case <-done:
					return
				default:
				}
			}
		})
	}
	createConcurrently(t, s, 6, 20)
	close(done)
	wg.Wait()
	_, err := dispatcher.AppendLog(ctx, ls)
	must(t, err, "AppendLog")
	wantLog(t, ls, allEvents(t, s))
}
