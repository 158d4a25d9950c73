package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", for tampering with a PostgreSQL store
	_ "github.com/mattn/go-sqlite3"

	"cityhub/dispatcher"
	"cityhub/postgres/pgtest"
)

// Tampering with the database behind the hub's back, as someone with access to the server could,
// and what `cityhub audit verify` says about it.

// rawDB is the database of a store opened directly.
type rawDB struct {
	*sql.DB
	pg bool
}

func openRaw(t *testing.T, dsn string) *rawDB {
	t.Helper()
	pg := strings.HasPrefix(dsn, "postgres")
	driver := "sqlite3"
	if pg {
		driver = "pgx"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &rawDB{DB: db, pg: pg}
}

// bind writes the placeholders of query (?) as the driver wants them.
func (db *rawDB) bind(query string) string {
	if !db.pg {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// exec runs a statement that must change at least one row.
func (db *rawDB) exec(t *testing.T, query string, args ...any) {
	t.Helper()
	res, err := db.Exec(db.bind(query), args...)
	if err != nil {
		t.Fatalf("tampering: %s: %v", query, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		t.Fatalf("tampering: %s changed nothing", query)
	}
}

// row reads one row of values.
func (db *rawDB) row(t *testing.T, n int, query string, args ...any) []any {
	t.Helper()
	vals := make([]any, n)
	ptrs := make([]any, n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := db.QueryRow(db.bind(query), args...).Scan(ptrs...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return vals
}

// caseRow is every column of a case row but its id and seal.
const caseRow = "state, owner, unit, channel, external_id, category, jurisdiction, overdue, created_at, updated_at, next_due, version, body"

// district is a store with six cases, A to F, filed through a hub, every event in the audit log
// and a signed checkpoint. Before F was acknowledged, its row was kept in rowF.
type district struct {
	dsn     string // the store: a SQLite file or a PostgreSQL database
	key     string // the audit key file
	vkey    string // its verifier key
	numbers map[string]string
	ids     map[string]int64
	rowF    []any
	note    string // the checkpoint signed after the cases were filed
}

func newDistrict(t *testing.T, kind string) *district {
	t.Helper()
	d := &district{numbers: map[string]string{}, ids: map[string]int64{}, key: filepath.Join(t.TempDir(), "audit.key")}
	if kind == "postgres" {
		d.dsn = pgtest.NewDatabase(t)
	}
	h := startHubOn(t, d.dsn)
	if d.dsn == "" {
		d.dsn = filepath.Join(h.m.Config.DataDir, "cityhub.db")
	}
	op, gn := h.login("op1"), h.login("gn-1")
	for _, name := range []string{"A", "B", "C", "D", "E", "F"} {
		var out struct{ Case dispatcher.Case }
		h.do("POST", "/api/v1/complaints", op, map[string]any{"category": "0501", "lat": 28.95, "lng": 106.60,
			"text": "人行道上有流动摊贩"}, 201, &out)
		d.numbers[name], d.ids[name] = out.Case.Number, out.Case.ID
	}
	raw := openRaw(t, d.dsn)
	d.rowF = raw.row(t, 13, "SELECT "+caseRow+" FROM cases WHERE id = ?", d.ids["F"])
	raw.Close() // a PostgreSQL database with a session open cannot be cloned
	h.do("POST", "/api/v1/cases/"+d.numbers["F"]+"/actions", gn, map[string]any{"action": "acknowledge"}, 200, nil)
	h.m.Close()
	d.vkey = strings.TrimSpace(mustRun(t, "audit", "keygen", "--audit-key", d.key))
	d.note = mustRun(t, "audit", "checkpoint", "--db", d.dsn, "--audit-key", d.key)
	return d
}

// mustRun runs a cityhub command that must succeed and returns its stdout.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	var out, errs bytes.Buffer
	if err := run(context.Background(), args, &out, &errs); err != nil {
		t.Fatalf("cityhub %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errs.String())
	}
	return out.String()
}

// verify runs `cityhub audit verify` on dsn with extra arguments; it returns the report and error.
func verify(dsn string, args ...string) (string, error) {
	var out bytes.Buffer
	err := run(context.Background(), append([]string{"audit", "verify", "--db", dsn}, args...), &out, &out)
	return out.String(), err
}

// clone copies the district's store for one tampering.
func (d *district) clone(t *testing.T) string {
	t.Helper()
	if strings.HasPrefix(d.dsn, "postgres") {
		return cloneDatabase(t, d.dsn)
	}
	dst := filepath.Join(t.TempDir(), "cityhub.db")
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(d.dsn + suffix)
		if os.IsNotExist(err) && suffix != "" {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst+suffix, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// cloneDatabase copies a PostgreSQL test database (CREATE DATABASE ... TEMPLATE) and drops the
// copy when the test ends.
func cloneDatabase(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	from := strings.TrimPrefix(u.Path, "/")
	name := from + "_" + fmt.Sprint(time.Now().UnixNano()%1e9)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.ServerDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// The hub's connections may take a moment to leave the template database.
	for attempt := 0; ; attempt++ {
		_, err = conn.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+from)
		if err == nil || attempt == 50 || !strings.Contains(err.Error(), "being accessed") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("clone %s: %v", from, err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, pgtest.ServerDSN())
		if err == nil {
			c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(ctx)
		}
	})
	out, err := pgtest.WithDatabase(dsn, name)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// tampering is one change made behind the hub's back and what the audit must say about it.
type tampering struct {
	name   string
	tamper func(t *testing.T, db *rawDB, d *district)
	want   func(d *district) []string
}

var tamperings = []tampering{
	{"a filter column", func(t *testing.T, db *rawDB, d *district) {
		db.exec(t, "UPDATE cases SET category = '0101' WHERE id = ?", d.ids["A"])
	}, func(d *district) []string {
		return []string{fmt.Sprintf(`case %s: column category says "0101", the case body says "0501"`, d.numbers["A"])}
	}},
	{"a private case published behind the hub's back", func(t *testing.T, db *rawDB, d *district) {
		db.exec(t, "UPDATE cases SET public = ? WHERE id = ?", true, d.ids["C"])
	}, func(d *district) []string {
		return []string{fmt.Sprintf(`case %s: column public says "true", the case body says "false"`, d.numbers["C"])}
	}},
	{"the case body's text", func(t *testing.T, db *rawDB, d *district) {
		db.exec(t, "UPDATE cases SET body = replace(body, '人行道上有流动摊贩', '无') WHERE id = ?", d.ids["B"])
	}, func(d *district) []string {
		// The summary covers the text (its first SummaryTextRunes characters): the field is named.
		return []string{fmt.Sprintf(`case %s: the case body says text "无", its last write (seq 3) left "人行道上有流动摊贩"`, d.numbers["B"]),
			fmt.Sprintf("case %s: the case body is not what its last write", d.numbers["B"])}
	}},
	{"a field of the case body that no summary carries", func(t *testing.T, db *rawDB, d *district) {
		db.exec(t, `UPDATE cases SET body = replace(body, '"rework_count":0', '"rework_count":1') WHERE id = ?`, d.ids["B"])
	}, func(d *district) []string {
		return []string{fmt.Sprintf("case %s: the case body is not what its last write", d.numbers["B"]),
			"a field was changed outside the hub"}
	}},
	{"the case body's state, and its column", func(t *testing.T, db *rawDB, d *district) {
		db.exec(t, `UPDATE cases SET state = 'closed', body = replace(body, '"state":"dispatched"', '"state":"closed"')
			WHERE id = ?`, d.ids["B"])
	}, func(d *district) []string {
		return []string{fmt.Sprintf(`case %s: the case body says state "closed", its last write (seq 3) left "dispatched"`, d.numbers["B"]),
			fmt.Sprintf("case %s: the case body is not what its last write", d.numbers["B"])}
	}},
	{"an event's case summary", func(t *testing.T, db *rawDB, d *district) {
		db.exec(t, `UPDATE events SET body = replace(body, '"state":"dispatched"', '"state":"closed"')
			WHERE case_id = ? AND seq = 2`, d.ids["C"])
	}, func(d *district) []string {
		return []string{fmt.Sprintf("(case %s, seq 2) was altered", d.numbers["C"])}
	}},
	{"a field the queues read from an event's summary", func(t *testing.T, db *rawDB, d *district) {
		db.exec(t, `UPDATE events SET body = replace(body, '"return_count":0', '"return_count":5')
			WHERE case_id = ? AND seq = 2`, d.ids["C"])
	}, func(d *district) []string {
		return []string{fmt.Sprintf("(case %s, seq 2) was altered", d.numbers["C"])}
	}},
	{"an event's visible column", func(t *testing.T, db *rawDB, d *district) {
		db.exec(t, `UPDATE events SET visible = '["CMD","QJ-WL-DD"]' WHERE case_id = ? AND seq = 3`, d.ids["D"])
	}, func(d *district) []string {
		return []string{fmt.Sprintf("(case %s, seq 3) was altered", d.numbers["D"]),
			fmt.Sprintf("(case %s, seq 3) is visible to [CMD QJ-WL-DD]", d.numbers["D"])}
	}},
	{"a deleted case", func(t *testing.T, db *rawDB, d *district) {
		db.exec(t, "DELETE FROM events WHERE case_id = ?", d.ids["E"])
		db.exec(t, "DELETE FROM case_units WHERE case_id = ?", d.ids["E"])
		db.exec(t, "DELETE FROM cases WHERE id = ?", d.ids["E"])
	}, func(d *district) []string {
		return []string{fmt.Sprintf("(case %s, seq 1) is in the audit log but missing from the events table", d.numbers["E"]),
			fmt.Sprintf("(case %s, seq 3) is in the audit log but missing from the events table", d.numbers["E"]),
			"measure received of the district on", "the tallies say 6, the events add up to 5"}
	}},
	{"a truncated history with its head rewritten", func(t *testing.T, db *rawDB, d *district) {
		db.exec(t, "DELETE FROM events WHERE case_id = ? AND seq = 4", d.ids["F"])
		db.exec(t, "UPDATE cases SET state = ?, owner = ?, unit = ?, channel = ?, external_id = ?, category = ?, "+
			"jurisdiction = ?, overdue = ?, created_at = ?, updated_at = ?, next_due = ?, version = ?, body = ? WHERE id = ?",
			append(d.rowF, d.ids["F"])...)
	}, func(d *district) []string {
		return []string{fmt.Sprintf("(case %s, seq 4) is in the audit log but missing from the events table", d.numbers["F"]),
			"measure acknowledged_on_time of the district on", "the tallies say 1, the events add up to 0"}
	}},
	{"a rewritten history, hashes recomputed", func(t *testing.T, db *rawDB, d *district) {
		rewriteEvent(t, db, d.ids["C"], 2, "改过的理由")
	}, func(d *district) []string {
		return []string{fmt.Sprintf("(case %s, seq 2) is not what the audit log recorded", d.numbers["C"])}
	}},
}

// TestAuditVerifyFindsTampering: on both stores, each change made to the database behind the
// hub's back (a filter column, the case body's text or state, an event's summary or visible
// units, a deleted case, a history cut short with its head rewritten to match, a history rewritten
// with its hashes recomputed) is found and named by `cityhub audit verify`, which fails; the
// untouched store passes.
func TestAuditVerifyFindsTampering(t *testing.T) {
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			d := newDistrict(t, kind)
			if out, err := verify(d.clone(t), "--audit-key", d.key); err != nil || !strings.Contains(out, "audit ok") {
				t.Fatalf("audit of the untouched district: %v\n%s", err, out)
			}
			for _, tc := range tamperings {
				t.Run(tc.name, func(t *testing.T) {
					dsn := d.clone(t)
					tc.tamper(t, openRaw(t, dsn), d)
					out, err := verify(dsn, "--audit-key", d.key)
					if err == nil {
						t.Fatalf("the audit passed:\n%s", out)
					}
					for _, want := range tc.want(d) {
						if !strings.Contains(out, want) {
							t.Errorf("the audit does not say %q:\n%s", want, out)
						}
					}
				})
			}
		})
	}
}

// rewriteEvent changes the reason of event seq of a case and recomputes the hashes of that event
// and of the ones after it, and the case's last hash, as someone who read the code could: the
// chain is consistent again.
func rewriteEvent(t *testing.T, db *rawDB, caseID, seq int64, reason string) {
	t.Helper()
	rows, err := db.Query(db.bind("SELECT id, visible, body FROM events WHERE case_id = ? ORDER BY seq"), caseID)
	if err != nil {
		t.Fatal(err)
	}
	var evs []*dispatcher.Event
	for rows.Next() {
		var id int64
		var visible, body string
		var e dispatcher.Event
		if err := rows.Scan(&id, &visible, &body); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(body), &e); err != nil {
			t.Fatal(err)
		}
		json.Unmarshal([]byte(visible), &e.Visible)
		e.ID = id
		evs = append(evs, &e)
	}
	rows.Close()
	evs[seq-1].Reason = reason
	prev := evs[seq-1].PrevHash
	for _, e := range evs[seq-1:] {
		e.PrevHash = prev
		e.Hash = dispatcher.EventHash(e)
		prev = e.Hash
		body, _ := json.Marshal(e)
		db.exec(t, "UPDATE events SET body = ? WHERE id = ?", string(body), e.ID)
	}
	var c dispatcher.Case
	body := db.row(t, 1, "SELECT body FROM cases WHERE id = ?", caseID)[0]
	if err := json.Unmarshal(asBytes(body), &c); err != nil {
		t.Fatal(err)
	}
	c.LastHash = prev
	b, _ := json.Marshal(&c)
	db.exec(t, "UPDATE cases SET body = ? WHERE id = ?", string(b), caseID)
}

func asBytes(v any) []byte {
	switch v := v.(type) {
	case string:
		return []byte(v)
	case []byte:
		return v
	}
	return nil
}

// TestAuditVerifyRefusesLogThatDoesNotExtendCheckpoint: on both stores, a history rewritten with
// its hashes recomputed and the whole audit log rebuilt from it is consistent in itself, so that
// only a checkpoint published before can tell; `audit verify --since-checkpoint` refuses it, naming
// the checkpoint and the roots, while it accepts the untouched log, which had grown since.
func TestAuditVerifyRefusesLogThatDoesNotExtendCheckpoint(t *testing.T) {
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			d := newDistrict(t, kind)
			published := filepath.Join(t.TempDir(), "checkpoint")
			if err := os.WriteFile(published, []byte(d.note), 0o600); err != nil {
				t.Fatal(err)
			}
			size := strings.Split(d.note, "\n")[1]
			out, err := verify(d.clone(t), "--since-checkpoint", published, "--audit-pubkey", d.vkey)
			if err != nil || !strings.Contains(out, "the log extends the published checkpoint of "+size+" events") {
				t.Fatalf("the untouched log against its checkpoint: %v\n%s", err, out)
			}

			dsn := d.clone(t)
			db := openRaw(t, dsn)
			rewriteEvent(t, db, d.ids["C"], 2, "改过的理由")
			for _, table := range []string{"audit_hashes", "audit_log", "audit_checkpoints"} {
				db.exec(t, "DELETE FROM "+table)
			}
			rebuildLog(t, dsn)
			if out, err := verify(dsn); err != nil {
				t.Fatalf("precondition: the rewritten district with its log rebuilt is consistent in itself, but the audit says %v\n%s", err, out)
			}
			out, err = verify(dsn, "--since-checkpoint", published, "--audit-pubkey", d.vkey)
			if err == nil || !strings.Contains(out, "the log no longer extends checkpoint "+size+": its first "+size+" events hash to ") {
				t.Fatalf("the rewritten log against the checkpoint: %v\n%s", err, out)
			}
		})
	}
}

// rebuildLog appends every event to an emptied log, as a hub's appender would.
func rebuildLog(t *testing.T, dsn string) {
	t.Helper()
	store, err := openStore(context.Background(), Config{DB: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if _, err := dispatcher.AppendLog(context.Background(), store.(dispatcher.LogStore)); err != nil {
		t.Fatal(err)
	}
}
