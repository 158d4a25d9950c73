package sqlite

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"cityhub/dispatcher"
	"cityhub/storetest"

	"github.com/mattn/go-sqlite3"
)

// openTemp opens a store in a new temporary directory, closed when tb ends.
func openTemp(tb testing.TB) *Store {
	tb.Helper()
	s, err := Open(filepath.Join(tb.TempDir(), "cityhub.db"))
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) dispatcher.Store { return openTemp(t) })
}

func TestRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cityhub.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	rawExec(t, path, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, '0999_future.sql', 0)")
	s, err = Open(path)
	if err == nil {
		s.Close()
		t.Fatal("Open of a database from the future succeeded")
	}
	if !errors.Is(err, ErrSchemaNewer) || !strings.Contains(err.Error(), "999") {
		t.Errorf("Open: %v; want ErrSchemaNewer naming version 999", err)
	}
}

// rawExec runs a statement on the database file behind the store's back.
func rawExec(t *testing.T, path, stmt string) {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(stmt); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}

func TestMigrationsApplyOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cityhub.db")
	for range 2 {
		s, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	s := openAt(t, path)
	var n, maxV int
	if err := s.r.QueryRow("SELECT COUNT(*), MAX(version) FROM schema_migrations").Scan(&n, &maxV); err != nil {
		t.Fatal(err)
	}
	if n != len(ms) || maxV != len(ms) {
		t.Errorf("schema_migrations: %d rows up to version %d, want %d", n, maxV, len(ms))
	}
}

func openAt(tb testing.TB, path string) *Store {
	tb.Helper()
	s, err := Open(path)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func TestReopenKeepsData(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "cityhub.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	c, evs, tallies := benchCase(1)
	if err := s.CreateCase(ctx, c, evs, tallies); err != nil {
		t.Fatal(err)
	}
	acct := &dispatcher.Account{Login: "op1", Name: "受理员一", Role: dispatcher.Operator, Unit: "CMD",
		PasswordHash: "hash", CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	if err := s.PutAccount(ctx, acct); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openAt(t, path)
	got, err := s.Case(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, got, c)
	stored, err := s.CaseEvents(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, stored, evs)
	a, err := s.Account(ctx, "op1")
	if err != nil || a.PasswordHash != "hash" {
		t.Fatalf("Account after reopening: %+v, %v", a, err)
	}
	rows, err := s.Tallies(ctx, dispatcher.TallyQuery{Dim: dispatcher.DimAll, From: "2026-11-27", To: "2026-11-27"})
	if err != nil || len(rows) == 0 {
		t.Fatalf("Tallies after reopening: %v, %v", rows, err)
	}
	c2, evs2, _ := benchCase(2)
	if err := s.CreateCase(ctx, c2, evs2, nil); err != nil {
		t.Fatal(err)
	}
	if c2.ID <= c.ID || evs2[0].ID <= evs[len(evs)-1].ID {
		t.Errorf("after reopening: case %d event %d, want above %d and %d", c2.ID, evs2[0].ID, c.ID, evs[len(evs)-1].ID)
	}
}

// TestTimesComeBackInUTC: a caller that hands in local times gets the same instants in UTC.
func TestTimesComeBackInUTC(t *testing.T) {
	ctx := t.Context()
	s := openTemp(t)
	cst := time.FixedZone("CST", 8*3600)
	c, evs, _ := benchCase(1)
	c.CreatedAt = c.CreatedAt.In(cst)
	c.Clocks.Handling.StartedAt = c.Clocks.Handling.StartedAt.In(cst)
	evs[0].At = evs[0].At.In(cst)
	if err := s.CreateCase(ctx, c, evs, nil); err != nil {
		t.Fatal(err)
	}
	got, err := s.Case(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ got, want time.Time }{
		{got.CreatedAt, c.CreatedAt}, {got.Clocks.Handling.StartedAt, c.Clocks.Handling.StartedAt},
		{got.Clocks.Handling.Deadline, c.Clocks.Handling.Deadline}, {*got.NextDue, *c.NextDue}} {
		if tc.got.Location() != time.UTC || !tc.got.Equal(tc.want) {
			t.Errorf("time %v, want %v in UTC", tc.got, tc.want)
		}
	}
	stored, err := s.CaseEvents(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if at := stored[0].At; at.Location() != time.UTC || !at.Equal(evs[0].At) {
		t.Errorf("event time %v, want %v in UTC", at, evs[0].At)
	}
}

// TestReadersDoNotWaitForWriter reads while a write transaction is open.
func TestReadersDoNotWaitForWriter(t *testing.T) {
	ctx := t.Context()
	s := openTemp(t)
	c, evs, tallies := benchCase(1)
	if err := s.CreateCase(ctx, c, evs, tallies); err != nil {
		t.Fatal(err)
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec("UPDATE cases SET state = 'closed' WHERE id = ?", c.ID); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	got, err := s.Case(rctx, c.ID)
	if err != nil {
		t.Fatalf("Case while a write is open: %v", err)
	}
	if got.State != c.State {
		t.Errorf("read state %s, want the committed %s", got.State, c.State)
	}
	if _, err := s.ListCases(rctx, dispatcher.CaseFilter{}); err != nil {
		t.Fatalf("ListCases while a write is open: %v", err)
	}
	if _, err := s.EventsAfter(rctx, 0, 10); err != nil {
		t.Fatalf("EventsAfter while a write is open: %v", err)
	}
}

func TestErrorCodes(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code string
	}{
		{sqlite3.Error{Code: sqlite3.ErrBusy}, dispatcher.EUnavailable},
		{sqlite3.Error{Code: sqlite3.ErrLocked}, dispatcher.EUnavailable},
		{sqlite3.Error{Code: sqlite3.ErrIoErr}, dispatcher.EUnavailable},
		{sqlite3.Error{Code: sqlite3.ErrFull}, dispatcher.EUnavailable},
		{context.DeadlineExceeded, dispatcher.EUnavailable},
		{sql.ErrConnDone, dispatcher.EUnavailable},
		{sqlite3.Error{Code: sqlite3.ErrConstraint}, dispatcher.EInternal},
		{errors.New("boom"), dispatcher.EInternal},
		{dispatcher.Errorf(dispatcher.EConflict, "x"), dispatcher.EConflict},
	} {
		if got := dispatcher.ErrorCode(storeErr(tc.err, "op")); got != tc.code {
			t.Errorf("storeErr(%v): code %s, want %s", tc.err, got, tc.code)
		}
	}
}

// sameJSON fails the test unless got and want have the same JSON encoding.
func sameJSON(t *testing.T, got, want any) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("got  %s\nwant %s", g, w)
	}
}

func TestSplitDays(t *testing.T) {
	for _, tc := range []struct {
		from, to string
		want     span
	}{
		{"2026-11-27", "2026-11-27", span{"2026-11-27", "2026-11-27", "1", "0", "1", "0"}},
		{"2026-11-03", "2026-12-02", span{"2026-11-03", "2026-12-02", "1", "0", "1", "0"}},
		{"2026-11-01", "2026-11-30", span{"2026-11-01", "2026-10-31", "2026-12-01", "2026-11-30", "2026-11", "2026-11"}},
		{"2025-12-05", "2026-11-27", span{"2025-12-05", "2025-12-31", "2026-11-01", "2026-11-27", "2026-01", "2026-10"}},
		{"2024-02-01", "2024-02-29", span{"2024-02-01", "2024-01-31", "2024-03-01", "2024-02-29", "2024-02", "2024-02"}},
		{"2026-12-31", "2026-12-01", span{"2026-12-31", "2026-12-01", "1", "0", "1", "0"}},
		{"", "2026-12-01", span{"", "2026-12-01", "1", "0", "1", "0"}},
	} {
		if got := splitDays(tc.from, tc.to); got != tc.want {
			t.Errorf("splitDays(%s, %s) = %+v, want %+v", tc.from, tc.to, got, tc.want)
		}
	}
}

// TestTalliesMatchDays checks the month sums against the day counters over random ranges.
func TestTalliesMatchDays(t *testing.T) {
	ctx := t.Context()
	s := openTemp(t)
	bulkTallies(t, s, 3_000, 400)
	const naive = `SELECT key, measure, SUM(count) FROM tallies
		WHERE dim = ? AND (day = '' OR day >= ? AND day <= ?) GROUP BY key, measure ORDER BY key, measure`
	rng := rand.New(rand.NewPCG(7, 7))
	last := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	for range 100 {
		from := last.AddDate(0, 0, -rng.IntN(420)).Format(dayLayout)
		to := last.AddDate(0, 0, 10-rng.IntN(420)).Format(dayLayout)
		dim := dispatcher.Dims[rng.IntN(len(dispatcher.Dims))]
		got, err := s.Tallies(ctx, dispatcher.TallyQuery{Dim: dim, From: from, To: to})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := s.r.QueryContext(ctx, naive, dim, from, to)
		if err != nil {
			t.Fatal(err)
		}
		want := []dispatcher.TallyRow{}
		for rows.Next() {
			var r dispatcher.TallyRow
			if err := rows.Scan(&r.Key, &r.Measure, &r.Count); err != nil {
				t.Fatal(err)
			}
			want = append(want, r)
		}
		rows.Close()
		if !slices.Equal(got, want) {
			t.Fatalf("Tallies(%s, %s..%s): %d rows, want %d:\n got %v\nwant %v", dim, from, to,
				len(got), len(want), got, want)
		}
	}
}

func TestConnectionSettings(t *testing.T) {
	s := openTemp(t)
	for _, tc := range []struct {
		pragma string
		want   string
	}{{"journal_mode", "wal"}, {"synchronous", "2"}, {"foreign_keys", "1"}, {"busy_timeout", "5000"}} {
		var got string
		if err := s.w.QueryRow("PRAGMA " + tc.pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("writer: PRAGMA %s = %s, want %s", tc.pragma, got, tc.want)
		}
	}
	if _, err := s.r.Exec("INSERT INTO api_keys (hash, name, created_at, disabled) VALUES ('h', 'n', 0, 0)"); err == nil {
		t.Errorf("a reader connection could write")
	}
	if n := s.w.Stats().MaxOpenConnections; n != 1 {
		t.Errorf("writer pool: %d connections, want 1", n)
	}
}

// TestKillNineKeepsAnsweredCases kills a process that is creating cases and checks that every case
// it was told had been created is there after a reopen.
func TestKillNineKeepsAnsweredCases(t *testing.T) {
	if path := os.Getenv("CITYHUB_SQLITE_CRASH_DB"); path != "" {
		createForever(path)
		return
	}
	if testing.Short() {
		t.Skip("starts a process")
	}
	path := filepath.Join(t.TempDir(), "cityhub.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillNineKeepsAnsweredCases$")
	cmd.Env = append(os.Environ(), "CITYHUB_SQLITE_CRASH_DB="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var answered []int64
	sc := bufio.NewScanner(out)
	for len(answered) < 100 && sc.Scan() {
		if id, err := strconv.ParseInt(sc.Text(), 10, 64); err == nil {
			answered = append(answered, id)
		}
	}
	cmd.Process.Kill() // SIGKILL, while it is writing the next cases
	cmd.Wait()
	if len(answered) < 100 {
		t.Fatalf("the child answered only %d cases", len(answered))
	}
	s := openAt(t, path)
	for _, id := range answered {
		if _, err := s.Case(t.Context(), id); err != nil {
			t.Fatalf("case %d was answered before the kill: %v", id, err)
		}
	}
}

// createForever creates cases and prints each ID once CreateCase has returned, until killed.
func createForever(path string) {
	s, err := Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for i := 0; ; i++ {
		c, evs, tallies := benchCase(i)
		if err := s.CreateCase(context.Background(), c, evs, tallies); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Fprintln(os.Stdout, c.ID)
	}
}
