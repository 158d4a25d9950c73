package main

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3"

	"cityhub/dispatcher"
)

// TestAuditVerifyNamesFirstBrokenCase: `cityhub audit verify` passes on an untouched district and,
// after one event's reason is edited behind the hub's back, fails naming that case.
func TestAuditVerifyNamesFirstBrokenCase(t *testing.T) {
	h := startHubOn(t, "")
	op := h.login("op1")
	var numbers []string
	for i := 0; i < 3; i++ {
		var out struct{ Case dispatcher.Case }
		h.do("POST", "/api/v1/complaints", op, map[string]any{"category": "0501", "lat": 28.95, "lng": 106.60}, 201, &out)
		numbers = append(numbers, out.Case.Number)
	}
	dir := h.m.Config.DataDir
	h.m.Close()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"audit", "verify", "--data", dir}, &out, &out); err != nil {
		t.Fatalf("audit of an untouched district: %v", err)
	}
	db, err := sql.Open("sqlite3", filepath.Join(dir, "cityhub.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Rewrite the registration event of the second case: its body says another reason now.
	res, err := db.Exec(`UPDATE events SET body = replace(body, '"action":"register"', '"action":"register","reason":"改过"')
		WHERE case_id = (SELECT id FROM cases WHERE number = ?) AND seq = 2`, numbers[1])
	if n, _ := res.RowsAffected(); err != nil || n != 1 {
		t.Fatalf("tampering: %v (%d rows)", err, n)
	}
	err = run(context.Background(), []string{"audit", "verify", "--data", dir}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), numbers[1]) {
		t.Fatalf("audit after tampering: %v, want a failure naming %s", err, numbers[1])
	}
}
