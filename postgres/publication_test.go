package postgres

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"cityhub/dispatcher"
	"cityhub/postgres/pgtest"
)

// TestPublicationMigration opens a database written before publication was kept: the migration
// sets the filter column by the intake rule (Open311 and web reports public, except 举报), and
// the cases read back follow the same rule.
func TestPublicationMigration(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	conn := rawConn(t, dsn)
	exec := func(stmt string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(t.Context(), stmt, args...); err != nil {
			t.Fatalf("%.60s: %v", stmt, err)
		}
	}
	exec(`CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`)
	for _, m := range ms { // every migration before this one
		if strings.HasSuffix(m.name, "_publication.sql") {
			break
		}
		exec(m.sql)
		exec("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.version, m.name)
	}
	old := []struct{ channel, nature string }{
		{dispatcher.ChannelHotline, "complaint"}, {dispatcher.ChannelOpen311, "complaint"},
		{dispatcher.ChannelWeb, dispatcher.NatureReport}, {dispatcher.ChannelWeb, "inquiry"},
		{dispatcher.ChannelWeChat, "complaint"},
	}
	now := time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC)
	for i, o := range old {
		c := &dispatcher.Case{ID: int64(i + 1), Number: fmt.Sprintf("QJ20261124%06d", i+1), State: dispatcher.Received,
			Channel: o.channel, Nature: o.nature, Category: "0501", CreatedAt: now, UpdatedAt: now, Version: 1}
		body, err := encode(c)
		if err != nil {
			t.Fatal(err)
		}
		exec(`INSERT INTO cases (id, number, state, owner, unit, channel, category, jurisdiction, overdue,
			created_at, updated_at, version, body) VALUES ($1, $2, 'received', 'CMD', '', $3, '0501', 'QJ-GN', false, $4, $4, 1, $5)`,
			c.ID, c.Number, c.Channel, now, body)
	}
	conn.Close(t.Context())

	s := openAt(t, dsn)
	page, err := s.ListCases(t.Context(), dispatcher.CaseFilter{Published: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, c := range page.Cases {
		got = append(got, c.ID)
	}
	if !slices.Equal(got, []int64{2, 4}) {
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
