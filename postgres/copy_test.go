package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"cityhub/dispatcher"
	"cityhub/sqlite"

	"golang.org/x/mod/sumdb/tlog"
)

// moreEvents returns n new events of c continuing its chain, and advances c as Service would.
func moreEvents(c *dispatcher.Case, n int, typ string) []*dispatcher.Event {
	evs := make([]*dispatcher.Event, n)
	for k := range evs {
		c.Version++
		e := &dispatcher.Event{Seq: c.Version, Type: typ, Action: typ,
			Actor: dispatcher.Actor{Login: "gn-lead", Name: "古南队长", Role: dispatcher.TeamLead, Unit: c.Unit},
			At:    c.UpdatedAt.Add(time.Duration(k) * time.Microsecond), From: c.State, To: c.State, Owner: c.Owner,
			Reason: "现场核查", Data: json.RawMessage(fmt.Sprintf(`{"z":%d,"a":"第%d次"}`, c.Version, k)),
			PrevHash: c.LastHash,
			Summary: dispatcher.CaseSummary{Number: c.Number, State: c.State, Owner: c.Owner, Channel: c.Channel,
				Category: c.Category, Jurisdiction: c.Routing.Jurisdiction},
			Visible: []string{dispatcher.CommandCentre, c.Unit}}
		e.Hash = dispatcher.EventHash(e)
		c.LastHash = e.Hash
		evs[k] = e
	}
	return evs
}

func tally(day, dim, key, measure string, delta int64) dispatcher.Tally {
	return dispatcher.Tally{Day: day, Dim: dim, Key: key, Measure: measure, Delta: delta}
}

// fillSource writes a small district into a store through its ordinary methods: reference data,
// accounts, api keys, and cases created and updated with tallies over several days and months,
// gauges included.
func fillSource(t *testing.T, s dispatcher.Store) []*dispatcher.Case {
	ctx := t.Context()
	ref := &dispatcher.Reference{District: "qijiang", Authority: "綦江区城市管理局", HomeAuthority: "綦江区",
		CasePrefix: "QJ", Units: []dispatcher.Unit{{Code: dispatcher.CommandCentre, Name: "指挥中心",
			Kind: dispatcher.UnitCommandCentre}},
		Jurisdictions: json.RawMessage(`{"type":"FeatureCollection","features":[]}`)}
	must(t, s.SaveReference(ctx, ref), "SaveReference")
	created := time.Date(2025, 1, 2, 3, 4, 5, 6000, time.UTC)
	for _, login := range []string{"op1", "gn-lead"} {
		must(t, s.PutAccount(ctx, &dispatcher.Account{Login: login, Name: "账户 " + login, Role: dispatcher.Operator,
			Unit: dispatcher.CommandCentre, PasswordHash: "$argon2id$" + login, CreatedAt: created}), "PutAccount")
	}
	for i, h := range []string{"5e884898da28", "6b86b273ff34"} {
		must(t, s.PutAPIKey(ctx, dispatcher.APIKey{Hash: h, Name: fmt.Sprintf("client %d", i),
			CreatedAt: created.Add(time.Duration(i) * time.Hour), Disabled: i == 1}), "PutAPIKey")
	}
	var cases []*dispatcher.Case
	days := []string{"2026-10-31", "2026-11-01", "2026-11-27", "2026-11-30", "2026-12-01", "2027-01-15"}
	for i := range 12 {
		c, evs, tallies := benchCase(i * 1000)
		if i%4 == 1 {
			c.Channel, c.ExternalID = dispatcher.ChannelWeChat, fmt.Sprintf("wx-%d", i)
		}
		if i%3 == 0 {
			c.Unit, c.Owner = "QJ-WL-DD", "QJ-WL-DD"
		}
		day := days[i%len(days)]
		for k := range tallies {
			tallies[k].Day = day
		}
		must(t, s.CreateCase(ctx, c, evs, tallies), "CreateCase")
		if i%2 == 0 { // updated twice: an event more, then closed
			prev := c.Version
			c.UpdatedAt = c.UpdatedAt.Add(time.Hour)
			more := moreEvents(c, 1, "progress")
			must(t, s.UpdateCase(ctx, c, prev, more, []dispatcher.Tally{
				tally("", dispatcher.DimAll, "", dispatcher.MOverdueOpen, 1),
				tally("", dispatcher.DimUnit, c.Unit, dispatcher.MOverdueOpen, 1)}), "UpdateCase")
			prev = c.Version
			c.State, c.OwnerKind, c.Owner = dispatcher.Closed, dispatcher.OwnedByNone, ""
			c.UpdatedAt = c.UpdatedAt.Add(time.Hour)
			closed := c.UpdatedAt
			c.ClosedAt, c.NextDue = &closed, nil
			more = moreEvents(c, 2, "closed")
			must(t, s.UpdateCase(ctx, c, prev, more, []dispatcher.Tally{
				tally(days[(i+1)%len(days)], dispatcher.DimAll, "", dispatcher.MClosed, 1),
				tally(days[(i+1)%len(days)], dispatcher.DimUnit, c.Unit, dispatcher.MClosed, 1),
				tally("", dispatcher.DimAll, "", dispatcher.MOverdueOpen, -1),
				tally("", dispatcher.DimUnit, c.Unit, dispatcher.MOverdueOpen, -1)}), "UpdateCase")
		}
		cases = append(cases, c)
	}
	return cases
}

// copyStore copies src into dst through the Exporter and Importer, with small pages so that
// paging is exercised.
func copyStore(t *testing.T, src dispatcher.Store, dst *Store) {
	ctx := t.Context()
	exp := src.(dispatcher.Exporter)
	ref, err := src.Reference(ctx)
	must(t, err, "Reference")
	must(t, dst.SaveReference(ctx, ref), "SaveReference")
	accounts, err := src.Accounts(ctx)
	must(t, err, "Accounts")
	for _, a := range accounts {
		must(t, dst.PutAccount(ctx, a), "PutAccount")
	}
	keys, err := src.APIKeys(ctx)
	must(t, err, "APIKeys")
	for _, k := range keys {
		must(t, dst.PutAPIKey(ctx, *k), "PutAPIKey")
	}
	after := int64(0)
	for {
		ids, err := src.CaseIDs(ctx, after, 5)
		must(t, err, "CaseIDs")
		if len(ids) == 0 {
			break
		}
		var cs []*dispatcher.Case
		var evs [][]*dispatcher.Event
		for _, id := range ids {
			c, err := src.Case(ctx, id)
			must(t, err, "Case")
			e, err := src.CaseEvents(ctx, id)
			must(t, err, "CaseEvents")
			cs, evs = append(cs, c), append(evs, e)
		}
		must(t, dst.ImportCases(ctx, cs, evs), "ImportCases")
		after = ids[len(ids)-1]
	}
	var batch []dispatcher.TallyRecord
	must(t, exp.ExportTallies(ctx, func(r dispatcher.TallyRecord) error {
		batch = append(batch, r)
		if len(batch) == 7 {
			err := dst.ImportTallies(ctx, batch)
			batch = nil
			return err
		}
		return nil
	}), "ExportTallies")
	must(t, dst.ImportTallies(ctx, batch), "ImportTallies")
	copyLog(t, src, dst)
	must(t, dst.FinishImport(ctx), "FinishImport")
}

// copyLog copies the audit log and its checkpoints, in batches of 4 (leaves, then hashes).
func copyLog(t *testing.T, src dispatcher.Store, dst *Store) {
	ctx := t.Context()
	exp := src.(dispatcher.Exporter)
	var leaves []dispatcher.LogLeaf
	must(t, exp.ExportLog(ctx, func(l dispatcher.LogLeaf) error {
		leaves = append(leaves, l)
		if len(leaves) == 4 {
			err := dst.ImportLog(ctx, leaves, 0, nil)
			leaves = nil
			return err
		}
		return nil
	}), "ExportLog")
	must(t, dst.ImportLog(ctx, leaves, 0, nil), "ImportLog")
	var hashes []tlog.Hash
	first := int64(0)
	must(t, exp.ExportLogHashes(ctx, func(idx int64, h tlog.Hash) error {
		hashes = append(hashes, h)
		if len(hashes) == 4 {
			err := dst.ImportLog(ctx, nil, first, hashes)
			first, hashes = idx+1, nil
			return err
		}
		return nil
	}), "ExportLogHashes")
	must(t, dst.ImportLog(ctx, nil, first, hashes), "ImportLog")
	cs, err := src.(dispatcher.LogStore).Checkpoints(ctx)
	must(t, err, "Checkpoints")
	for _, c := range cs {
		must(t, dst.PutCheckpoint(ctx, c), "PutCheckpoint")
	}
}

// sameLog compares the audit logs and checkpoints of two stores.
func sameLog(t *testing.T, src dispatcher.Store, dst *Store) {
	ctx := t.Context()
	from := src.(dispatcher.LogStore)
	for _, read := range []func(ls dispatcher.LogStore) (any, error){
		func(ls dispatcher.LogStore) (any, error) { return ls.LogLeaves(ctx, 0, 1000) },
		func(ls dispatcher.LogStore) (any, error) { return ls.Checkpoints(ctx) },
		func(ls dispatcher.LogStore) (any, error) {
			n, err := ls.LogSize(ctx)
			if err != nil {
				return nil, err
			}
			return tlog.TreeHash(n, tlog.HashReaderFunc(func(ix []int64) ([]tlog.Hash, error) { return ls.LogHashes(ctx, ix) }))
		},
	} {
		want, err := read(from)
		must(t, err, "the source's log")
		got, err := read(dst)
		must(t, err, "the copy's log")
		sameJSON(t, "the copy's log", got, want)
	}
}

func sameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	g, err := json.Marshal(got)
	must(t, err, "encode")
	w, err := json.Marshal(want)
	must(t, err, "encode")
	if !bytes.Equal(g, w) {
		t.Errorf("%s differs:\n got %s\nwant %s", what, g, w)
	}
}

// TestCopyFromSQLite copies a district from SQLite into PostgreSQL and compares everything.
func TestCopyFromSQLite(t *testing.T) {
	ctx := t.Context()
	src, err := sqlite.Open(filepath.Join(t.TempDir(), "hub.db"))
	must(t, err, "sqlite.Open")
	t.Cleanup(func() { src.Close() })
	cases := fillSource(t, src)
	if _, err := dispatcher.AppendLog(ctx, src); err != nil {
		t.Fatal(err)
	}
	skey, _, err := dispatcher.NewAuditKey("copy.test")
	must(t, err, "NewAuditKey")
	_, err = dispatcher.SignCheckpoint(ctx, src, skey, time.Now())
	must(t, err, "SignCheckpoint")
	dst := openTest(t)
	copyStore(t, src, dst)

	for _, c := range cases {
		got, err := dst.Case(ctx, c.ID)
		must(t, err, "Case")
		sameJSON(t, "case "+c.Number, got, c)
		want, err := src.CaseEvents(ctx, c.ID)
		must(t, err, "CaseEvents")
		evs, err := dst.CaseEvents(ctx, c.ID)
		must(t, err, "CaseEvents")
		sameJSON(t, "events of "+c.Number, evs, want)
		for i := range evs {
			if !slices.Equal(evs[i].Visible, want[i].Visible) {
				t.Errorf("event %d visible to %v, want %v", evs[i].ID, evs[i].Visible, want[i].Visible)
			}
		}
		byExt, err := dst.CaseByExternalID(ctx, c.Channel, c.ExternalID)
		if c.ExternalID != "" && (err != nil || byExt.ID != c.ID) {
			t.Errorf("CaseByExternalID(%s, %s) on the copy: %v", c.Channel, c.ExternalID, err)
		}
	}
	srcLog, err := src.EventsAfter(ctx, 0, 1000)
	must(t, err, "EventsAfter")
	dstLog, err := dst.EventsAfter(ctx, 0, 1000)
	must(t, err, "EventsAfter")
	sameJSON(t, "the event log", dstLog, srcLog)
	srcLast, _ := src.LastEventID(ctx)
	dstLast, err := dst.LastEventID(ctx)
	must(t, err, "LastEventID")
	if dstLast != srcLast {
		t.Errorf("LastEventID of the copy %d, want %d", dstLast, srcLast)
	}
	// The fixture is no district a hub would write (its events use the first hash formula, its
	// tallies fall on days without events), so the copy must audit exactly as the source does.
	srcAudit, err := dispatcher.Audit(ctx, src, dispatcher.AuditOptions{MaxFindings: 1000})
	must(t, err, "Audit of the source")
	dstAudit, err := dispatcher.Audit(ctx, dst, dispatcher.AuditOptions{MaxFindings: 1000})
	must(t, err, "Audit of the copy")
	sameJSON(t, "the audit of the copy", dstAudit, srcAudit)
	if dstAudit.Cases != len(cases) || dstAudit.Events != len(srcLog) || dstAudit.LogSize != int64(len(srcLog)) {
		t.Errorf("audit of the copy: %d cases, %d events, %d logged; want %d, %d, %d", dstAudit.Cases,
			dstAudit.Events, dstAudit.LogSize, len(cases), len(srcLog), len(srcLog))
	}
	sameLog(t, src, dst)

	for _, dim := range dispatcher.Dims {
		for _, r := range [][2]string{{"2026-11-27", "2026-11-27"}, {"2026-11-01", "2026-11-30"},
			{"2026-10-01", "2026-12-31"}, {"2026-10-31", "2026-12-01"}, {"2026-01-01", "2027-12-31"},
			{"2027-01-01", "2027-01-31"}, {"2026-11-02", "2026-11-29"}} {
			q := dispatcher.TallyQuery{Dim: dim, From: r[0], To: r[1]}
			want, err := src.Tallies(ctx, q)
			must(t, err, "Tallies")
			got, err := dst.Tallies(ctx, q)
			must(t, err, "Tallies")
			if !maps.Equal(tallyMap(got), tallyMap(want)) {
				t.Errorf("Tallies %+v on the copy:\n got %v\nwant %v", q, tallyMap(got), tallyMap(want))
			}
		}
	}
	var srcT, dstT []dispatcher.TallyRecord
	must(t, src.ExportTallies(ctx, func(r dispatcher.TallyRecord) error { srcT = append(srcT, r); return nil }), "ExportTallies")
	must(t, dst.ExportTallies(ctx, func(r dispatcher.TallyRecord) error { dstT = append(dstT, r); return nil }), "ExportTallies")
	if !slices.Equal(dstT, srcT) {
		t.Errorf("ExportTallies of the copy: %d rows, want the source's %d", len(dstT), len(srcT))
	}

	wantRef, _ := src.Reference(ctx)
	gotRef, err := dst.Reference(ctx)
	must(t, err, "Reference")
	sameJSON(t, "reference", gotRef, wantRef)
	wantAcc, _ := src.Accounts(ctx)
	gotAcc, err := dst.Accounts(ctx)
	must(t, err, "Accounts")
	sameJSON(t, "accounts", gotAcc, wantAcc)
	for i := range gotAcc {
		if gotAcc[i].PasswordHash != wantAcc[i].PasswordHash {
			t.Errorf("account %s: password hash not copied", gotAcc[i].Login)
		}
	}
	wantKeys, _ := src.APIKeys(ctx)
	gotKeys, err := dst.APIKeys(ctx)
	must(t, err, "APIKeys")
	if len(gotKeys) != len(wantKeys) {
		t.Fatalf("APIKeys: %d, want %d", len(gotKeys), len(wantKeys))
	}
	for i := range gotKeys {
		if *gotKeys[i] != *wantKeys[i] {
			t.Errorf("api key %+v, want %+v", gotKeys[i], wantKeys[i])
		}
	}

	// New ids continue after the imported ones.
	c, evs, tallies := benchCase(99_999)
	must(t, dst.CreateCase(ctx, c, evs, tallies), "CreateCase on the copy")
	maxCase := slices.MaxFunc(cases, func(a, b *dispatcher.Case) int { return int(a.ID - b.ID) }).ID
	if c.ID <= maxCase || evs[0].ID <= srcLast {
		t.Errorf("new case %d with events from %d; want above the imported case %d and event %d",
			c.ID, evs[0].ID, maxCase, srcLast)
	}
	tail, err := dst.EventsAfter(ctx, srcLast, 10)
	must(t, err, "EventsAfter")
	if !slices.Equal(eventIDs(tail), eventIDs(evs)) {
		t.Errorf("EventsAfter(%d) on the copy = %v, want the new case's %v", srcLast, eventIDs(tail), eventIDs(evs))
	}
}

func tallyMap(rows []dispatcher.TallyRow) map[string]int64 {
	m := map[string]int64{}
	for _, r := range rows {
		if r.Count != 0 {
			m[r.Key+"|"+r.Measure] = r.Count
		}
	}
	return m
}

// importSet makes n cases (ids from first) with 5 events each, as a source store would hand them.
func importSet(first, n int) ([]*dispatcher.Case, [][]*dispatcher.Event) {
	cases := make([]*dispatcher.Case, n)
	events := make([][]*dispatcher.Event, n)
	for i := range n {
		id := int64(first + i)
		c, evs, _ := benchCase(first + i)
		c.ID, c.Number = id, dispatcher.CompleteNumber(c.Number, id)
		c.UpdatedAt = c.UpdatedAt.Add(time.Minute)
		evs = append(evs, moreEvents(c, 2, "progress")...)
		for k, e := range evs {
			e.ID, e.CaseID, e.Summary.Number = id*5+int64(k), id, c.Number
		}
		cases[i], events[i] = c, evs
	}
	return cases, events
}

// TestImportSpeed imports 10,000 cases of 5 events in pages of 500 (as `cityhub migrate` does)
// and logs the time.
func TestImportSpeed(t *testing.T) {
	s := openTest(t)
	const total, page = 10_000, 500
	var elapsed time.Duration
	for first := 1; first <= total; first += page {
		cases, events := importSet(first, page)
		start := time.Now()
		must(t, s.ImportCases(context.Background(), cases, events), "ImportCases")
		elapsed += time.Since(start)
	}
	must(t, s.FinishImport(t.Context()), "FinishImport")
	t.Logf("imported %d cases (%d events) in %v: %.0f cases/s", total, 5*total, elapsed.Round(time.Millisecond),
		float64(total)/elapsed.Seconds())
	ids, err := s.CaseIDs(t.Context(), total-1, 10)
	must(t, err, "CaseIDs")
	if !slices.Equal(ids, []int64{total}) {
		t.Errorf("CaseIDs after %d: %v", total-1, ids)
	}
	last, err := s.LastEventID(t.Context())
	must(t, err, "LastEventID")
	if last != total*5+4 {
		t.Errorf("LastEventID %d, want %d", last, total*5+4)
	}
}

// BenchmarkImport imports pages of 500 cases of 5 events; ns/op is per page.
func BenchmarkImport(b *testing.B) {
	s := openTest(b)
	first := 1
	for b.Loop() {
		b.StopTimer()
		cases, events := importSet(first, 500)
		b.StartTimer()
		if err := s.ImportCases(context.Background(), cases, events); err != nil {
			b.Fatal(err)
		}
		first += 500
	}
}
