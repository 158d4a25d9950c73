package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"cityhub/dispatcher"
	"cityhub/postgres/pgtest"
	"cityhub/storetest"

	"github.com/jackc/pgx/v5"
)

// openTest opens a store on a new database of its own, closed and dropped when tb ends.
func openTest(tb testing.TB) *Store {
	tb.Helper()
	return openAt(tb, pgtest.NewDatabase(tb))
}

// openAt opens a store on dsn, closed when tb ends.
func openAt(tb testing.TB, dsn string) *Store {
	tb.Helper()
	s, err := Open(context.Background(), dsn)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// rawConn connects to dsn behind the store's back.
func rawConn(tb testing.TB, dsn string) *pgx.Conn {
	tb.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		tb.Fatalf("connect: %v", err)
	}
	tb.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func rawExec(tb testing.TB, dsn, stmt string, args ...any) {
	tb.Helper()
	if _, err := rawConn(tb, dsn).Exec(context.Background(), stmt, args...); err != nil {
		tb.Fatalf("%s: %v", stmt, err)
	}
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) dispatcher.Store { return openTest(t) })
}

func TestRefusesNewerSchema(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	s, err := Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	rawExec(t, dsn, "INSERT INTO schema_migrations (version, name) VALUES (999, '0999_future.sql')")
	s, err = Open(t.Context(), dsn)
	if err == nil {
		s.Close()
		t.Fatal("Open of a database from the future succeeded")
	}
	if !errors.Is(err, ErrSchemaNewer) || !strings.Contains(err.Error(), "999") {
		t.Errorf("Open: %v; want ErrSchemaNewer naming version 999", err)
	}
}

// TestConcurrentOpenMigratesOnce starts several instances at once on one empty database: all
// open, and each migration is recorded (and so was applied) once.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	const instances = 8
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, instances)
	for i := range instances {
		wg.Go(func() {
			<-start
			var s *Store
			s, errs[i] = Open(context.Background(), dsn)
			if s != nil {
				s.Close()
			}
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("instance %d: Open: %v", i, err)
		}
	}
	var n, maxV int
	err = rawConn(t, dsn).QueryRow(t.Context(),
		"SELECT COUNT(*), MAX(version) FROM schema_migrations").Scan(&n, &maxV)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(ms) || maxV != len(ms) {
		t.Errorf("schema_migrations has %d rows up to version %d; want %d", n, maxV, len(ms))
	}
	// And a later Open finds nothing to do.
	s := openAt(t, dsn)
	must(t, s.Ping(t.Context()), "Ping")
}

func TestOpenClosedPort(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	start := time.Now()
	s, err := Open(t.Context(), "postgres://postgres@"+addr+"/postgres?sslmode=disable")
	if err == nil {
		s.Close()
		t.Fatal("Open against a closed port succeeded")
	}
	if code := dispatcher.ErrorCode(err); code != dispatcher.EUnavailable {
		t.Errorf("Open against a closed port: %v (code %s), want %s", err, code, dispatcher.EUnavailable)
	}
	if !strings.Contains(err.Error(), "refused") {
		t.Errorf("Open against a closed port: %v; want it to say the connection was refused", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Open against a closed port took %v", d)
	}
}

// TestClosedStoreUnavailable: every kind of call on a closed store fails with EUnavailable.
func TestClosedStoreUnavailable(t *testing.T) {
	s := openTest(t)
	ctx := t.Context()
	c, evs, tallies := benchCase(0)
	must(t, s.CreateCase(ctx, c, evs, tallies), "CreateCase")
	s.Close()
	checks := map[string]error{}
	checks["Ping"] = s.Ping(ctx)
	_, checks["Case"] = s.Case(ctx, c.ID)
	_, checks["EventsAfter"] = s.EventsAfter(ctx, 0, 10)
	_, checks["LastEventID"] = s.LastEventID(ctx)
	_, checks["Tallies"] = s.Tallies(ctx, dispatcher.TallyQuery{Dim: dispatcher.DimAll, From: "2026-11-01", To: "2026-11-30"})
	c2, evs2, tallies2 := benchCase(1)
	checks["CreateCase"] = s.CreateCase(ctx, c2, evs2, tallies2)
	checks["UpdateCase"] = s.UpdateCase(ctx, c, c.Version, nil, nil)
	checks["ExportTallies"] = s.ExportTallies(ctx, func(dispatcher.TallyRecord) error { return nil })
	for what, err := range checks {
		if code := dispatcher.ErrorCode(err); code != dispatcher.EUnavailable {
			t.Errorf("%s on a closed store: %v (code %q), want %s", what, err, code, dispatcher.EUnavailable)
		}
	}
}

// TestServerGoneUnavailable: a store whose server ends every session (as a restart does) fails
// requests with EUnavailable, quickly, and works again once the server is back.
func TestServerGoneUnavailable(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	s := openAt(t, dsn)
	ctx := t.Context()
	c, evs, tallies := benchCase(0)
	must(t, s.CreateCase(ctx, c, evs, tallies), "CreateCase")
	// Refuse new connections to the database, then end the store's sessions (SQLSTATE 57P01 for
	// each), as a server going down does.
	name := s.pool.Config().ConnConfig.Database
	admin := rawConn(t, pgtest.ServerDSN())
	if _, err := admin.Exec(ctx, "ALTER DATABASE "+name+" ALLOW_CONNECTIONS false"); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name); err != nil {
		t.Fatal(err)
	}
	for _, what := range []string{"Case", "CreateCase", "EventsAfter"} {
		start := time.Now()
		var err error
		switch what {
		case "Case":
			_, err = s.Case(ctx, c.ID)
		case "CreateCase":
			c2, evs2, tallies2 := benchCase(1)
			err = s.CreateCase(ctx, c2, evs2, tallies2)
		case "EventsAfter":
			_, err = s.EventsAfter(ctx, 0, 10)
		}
		if code := dispatcher.ErrorCode(err); code != dispatcher.EUnavailable {
			t.Errorf("%s while the server refuses: %v (code %q), want %s", what, err, code, dispatcher.EUnavailable)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%s took %v to fail", what, d)
		}
	}
	if _, err := admin.Exec(ctx, "ALTER DATABASE "+name+" ALLOW_CONNECTIONS true"); err != nil {
		t.Fatal(err)
	}
	got, err := s.Case(ctx, c.ID)
	must(t, err, "Case once the server is back")
	if got.Number != c.Number {
		t.Errorf("Case once the server is back: %s, want %s", got.Number, c.Number)
	}
}

// TestDeadlineUnavailable: a request whose deadline passes while it waits is EUnavailable.
func TestDeadlineUnavailable(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	s := openAt(t, dsn)
	// Hold the event-id lock from another session, so that a write waits for it.
	conn := rawConn(t, dsn)
	if _, err := conn.Exec(t.Context(), sqlLock, lockSpace, lockEventIDs); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	c, evs, tallies := benchCase(0)
	err := s.CreateCase(ctx, c, evs, tallies)
	if code := dispatcher.ErrorCode(err); code != dispatcher.EUnavailable {
		t.Errorf("CreateCase past its deadline: %v (code %q), want %s", err, code, dispatcher.EUnavailable)
	}
	if _, err := conn.Exec(t.Context(), sqlUnlock, lockSpace, lockEventIDs); err != nil {
		t.Fatal(err)
	}
	// The store is not wedged: the next write gets the lock.
	c, evs, tallies = benchCase(1)
	must(t, s.CreateCase(t.Context(), c, evs, tallies), "CreateCase after the lock is free")
}

// TestFailedWriteReleasesLock: a write that fails between taking and releasing the event-id lock
// does not leave the lock held by a pooled connection.
func TestFailedWriteReleasesLock(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	s := openAt(t, dsn)
	// Make drawing fail after the lock is taken: the sequence runs out.
	rawExec(t, dsn, "ALTER SEQUENCE event_ids MAXVALUE 2")
	c, evs, tallies := benchCase(0) // 3 events
	if err := s.CreateCase(t.Context(), c, evs, tallies); err == nil {
		t.Fatal("CreateCase succeeded with an exhausted sequence")
	}
	rawExec(t, dsn, "ALTER SEQUENCE event_ids NO MAXVALUE")
	var held int
	// Only this test's database: the other tests on the server hold the same lock in theirs.
	err := rawConn(t, dsn).QueryRow(t.Context(), `SELECT COUNT(*) FROM pg_locks
		WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND objsubid = 2
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
		lockSpace, lockEventIDs).Scan(&held)
	if err != nil {
		t.Fatal(err)
	}
	if held != 0 {
		t.Fatalf("the event-id lock is still held after a failed write")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	for i := range 20 { // every pooled connection can still write
		c, evs, tallies := benchCase(i + 1)
		must(t, s.CreateCase(ctx, c, evs, tallies), "CreateCase after a failed one")
	}
}

func TestTimesComeBackInUTC(t *testing.T) {
	s := openTest(t)
	ctx := t.Context()
	shanghai := time.FixedZone("CST", 8*3600)
	c, evs, tallies := benchCase(0)
	c.CreatedAt = c.CreatedAt.In(shanghai)
	evs[0].At = evs[0].At.In(shanghai)
	must(t, s.CreateCase(ctx, c, evs, tallies), "CreateCase")
	got, err := s.Case(ctx, c.ID)
	must(t, err, "Case")
	if got.CreatedAt.Location() != time.UTC || !got.CreatedAt.Equal(c.CreatedAt) {
		t.Errorf("CreatedAt %v, want %v in UTC", got.CreatedAt, c.CreatedAt)
	}
	stored, err := s.CaseEvents(ctx, c.ID)
	must(t, err, "CaseEvents")
	if stored[0].At.Location() != time.UTC || !stored[0].At.Equal(evs[0].At) {
		t.Errorf("event At %v, want %v in UTC", stored[0].At, evs[0].At)
	}
	k := dispatcher.APIKey{Hash: "h", Name: "n", CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 6000, shanghai)}
	must(t, s.PutAPIKey(ctx, k), "PutAPIKey")
	gk, err := s.APIKey(ctx, "h")
	must(t, err, "APIKey")
	if gk.CreatedAt.Location() != time.UTC || !gk.CreatedAt.Equal(k.CreatedAt) {
		t.Errorf("APIKey CreatedAt %v, want %v in UTC", gk.CreatedAt, k.CreatedAt)
	}
}

// TestEventDataByteForByte: Data in a key order and spacing that jsonb would change comes back
// as written (compacted, as the JSON encoding of an Event has it).
func TestEventDataByteForByte(t *testing.T) {
	s := openTest(t)
	c, evs, tallies := benchCase(0)
	evs[0].Data = []byte(`{"z":1,"a":[3,2,1],"m":{"y":"\u00e9","b":1.50}}`)
	must(t, s.CreateCase(t.Context(), c, evs, tallies), "CreateCase")
	got, err := s.CaseEvents(t.Context(), c.ID)
	must(t, err, "CaseEvents")
	if want := `{"z":1,"a":[3,2,1],"m":{"y":"\u00e9","b":1.50}}`; string(got[0].Data) != want {
		t.Errorf("Data %s, want %s", got[0].Data, want)
	}
}

func TestSplitDays(t *testing.T) {
	for _, tc := range []struct{ from, to, want string }{
		{"2026-11-27", "2026-11-27", "2026-11-27..2026-11-27 1..0 1..0"},
		{"2026-11-01", "2026-11-30", "2026-11-01..2026-10-31 2026-11..2026-11 2026-12-01..2026-11-30"},
		{"2026-10-15", "2026-12-03", "2026-10-15..2026-10-31 2026-11..2026-11 2026-12-01..2026-12-03"},
		{"2026-10-15", "2026-11-03", "2026-10-15..2026-11-03 1..0 1..0"},
		{"2025-12-01", "2026-11-30", "2025-12-01..2025-11-30 2025-12..2026-11 2026-12-01..2026-11-30"},
		{"x", "2026-11-30", "x..2026-11-30 1..0 1..0"},
	} {
		sp := splitDays(tc.from, tc.to)
		got := fmt.Sprintf("%s..%s %s..%s %s..%s", sp.headFrom, sp.headTo, sp.monthFrom, sp.monthTo, sp.tailFrom, sp.tailTo)
		if got != tc.want {
			t.Errorf("splitDays(%s, %s) = %s, want %s", tc.from, tc.to, got, tc.want)
		}
	}
}

func must(tb testing.TB, err error, what string) {
	tb.Helper()
	if err != nil {
		tb.Fatalf("%s: %v", what, err)
	}
}

// TestListCasesPastTheEnd: a page past the last case is empty but still carries the total.
func TestListCasesPastTheEnd(t *testing.T) {
	s := openTest(t)
	for i := range 3 {
		c, evs, tallies := benchCase(i)
		must(t, s.CreateCase(t.Context(), c, evs, tallies), "CreateCase")
	}
	for _, newest := range []bool{false, true} {
		page, err := s.ListCases(t.Context(), dispatcher.CaseFilter{Offset: 10, Newest: newest})
		must(t, err, "ListCases")
		if len(page.Cases) != 0 || page.Total != 3 {
			t.Errorf("ListCases from 10 of 3 (newest %v): %d cases, total %d; want none, total 3", newest, len(page.Cases), page.Total)
		}
	}
	page, err := s.ListCases(t.Context(), dispatcher.CaseFilter{Channel: "none"})
	must(t, err, "ListCases")
	if len(page.Cases) != 0 || page.Total != 0 || page.Cases == nil {
		t.Errorf("ListCases matching nothing: %+v; want an empty page, total 0", page)
	}
}

func TestMediaConformance(t *testing.T) {
	storetest.RunMedia(t, func(t *testing.T) (dispatcher.Store, dispatcher.MediaStore) {
		s := openTest(t)
		return s, s
	})
}
