package sqlite

import (
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"cityhub/dispatcher"
)

// TestPublicationMigration opens a database written before publication was kept: the migration
// sets the filter column by the intake rule (Open311 and web reports public, except 举报), and
// the cases read back follow the same rule.
func TestPublicationMigration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cityhub.db")
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	exec := func(stmt string, args ...any) {
		t.Helper()
		if _, err := db.Exec(stmt, args...); err != nil {
			t.Fatalf("%.60s: %v", stmt, err)
		}
	}
	exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`)
	for _, m := range ms { // every migration before this one
		if strings.HasSuffix(m.name, "_publication.sql") {
			break
		}
		exec(m.sql)
		exec("INSERT INTO schema_migrations VALUES (?, ?, 0)", m.version, m.name)
	}
	old := []struct{ channel, nature string }{
		{dispatcher.ChannelHotline, "complaint"}, {dispatcher.ChannelOpen311, "complaint"},
		{dispatcher.ChannelWeb, dispatcher.NatureReport}, {dispatcher.ChannelWeb, "inquiry"},
		{dispatcher.ChannelWeChat, "complaint"},
	}
	now := time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC)
	for i, o := range old {
		c := &dispatcher.Case{ID: int64(i + 1), Number: "QJ2026112400000" + string(rune('1'+i)), State: dispatcher.Received,
			Channel: o.channel, Nature: o.nature, Category: "0501", CreatedAt: now, UpdatedAt: now, Version: 1}
		body, err := encode(c)
		if err != nil {
			t.Fatal(err)
		}
		exec(`INSERT INTO cases (id, number, state, owner, unit, channel, category, jurisdiction, overdue,
			created_at, updated_at, version, body) VALUES (?, ?, 'received', 'CMD', '', ?, '0501', 'QJ-GN', 0, ?, ?, 1, ?)`,
			c.ID, c.Number, c.Channel, micro(now), micro(now), body)
	}
	db.Close()

	s := openAt(t, path)
	page, err := s.ListCases(t.Context(), dispatcher.CaseFilter{Published: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := caseIDsOf(page.Cases); !slices.Equal(got, []int64{2, 4}) {
		t.Errorf("public after the migration: cases %v, want 2 (open311) and 4 (web inquiry)", got)
	}
	all, err := s.ListCases(t.Context(), dispatcher.CaseFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range all.Cases {
		if c.IsPublic() != (c.ID == 2 || c.ID == 4) {
			t.Errorf("case %d (%s, %s): IsPublic %v disagrees with the migrated column", c.ID, c.Channel, c.Nature, c.IsPublic())
		}
	}
}

func caseIDsOf(cs []*dispatcher.Case) []int64 {
	ids := []int64{}
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	return ids
}
