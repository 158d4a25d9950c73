package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"cityhub/dispatcher"
	"cityhub/postgres/pgtest"
)

// startHubIn runs a hub on the SQLite store of an existing data directory.
func startHubIn(t *testing.T, dir string) *hub {
	t.Helper()
	m := &Main{Config: Config{Addr: "127.0.0.1:0", DataDir: dir, Demo: true, DemoPassword: "secret-pw"}}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return &hub{t: t, m: m, base: "http://" + m.Addr()}
}

func (h *hub) file(n int) []string {
	h.t.Helper()
	op := h.login("op1")
	var numbers []string
	for range n {
		var out struct{ Case dispatcher.Case }
		h.do("POST", "/api/v1/complaints", op, map[string]any{"category": "0501", "lat": 28.95, "lng": 106.60}, 201, &out)
		numbers = append(numbers, out.Case.Number)
	}
	return numbers
}

func logSize(t *testing.T, s dispatcher.Store) int64 {
	t.Helper()
	n, err := s.(dispatcher.LogStore).LogSize(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// checkNote checks the form of a printed checkpoint (C2SP tlog-checkpoint in a signed note) and
// its signature, and returns its size line.
func checkNote(t *testing.T, text, origin, vkey string) string {
	t.Helper()
	lines := strings.Split(text, "\n")
	if len(lines) < 6 || lines[0] != origin || lines[3] != "" || !strings.HasPrefix(lines[4], "— "+origin+" ") {
		t.Fatalf("checkpoint:\n%s\nwant origin, size, root, a blank line and the signature of %s", text, origin)
	}
	if root, err := base64.StdEncoding.DecodeString(lines[2]); err != nil || len(root) != 32 {
		t.Errorf("checkpoint root %q is not a base64 SHA-256 hash", lines[2])
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := note.Open([]byte(text), note.VerifierList(v)); err != nil {
		t.Errorf("the checkpoint does not verify with the key keygen printed: %v", err)
	}
	return lines[1]
}

// TestAuditCheckpointCommands walks the checkpoint commands from the command line: keygen writes
// a 0600 key file and prints the verifier key, and never overwrites a key; checkpoint needs the
// key, appends what is pending, signs a checkpoint when the log grew, and prints only the note; a
// serving hub appends new events by itself; audit verify proves that the log extends a published
// checkpoint with the verifier key given or derived from the key file, and refuses another key.
func TestAuditCheckpointCommands(t *testing.T) {
	h := startHubOn(t, "")
	dir := h.m.Config.DataDir
	h.file(2)
	h.m.Close()
	var out bytes.Buffer
	err := run(context.Background(), []string{"audit", "checkpoint", "--data", dir}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "cityhub audit keygen") {
		t.Fatalf("checkpoint without a key: %v", err)
	}

	const origin = "audit.example.gov.cn/qijiang"
	vkey := strings.TrimSpace(mustRun(t, "audit", "keygen", "--data", dir, "--origin", origin))
	keyFile := filepath.Join(dir, "audit.key")
	info, err := os.Stat(keyFile)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, mode %v; want 0600", err, info.Mode())
	}
	key, _ := os.ReadFile(keyFile)
	if err := run(context.Background(), []string{"audit", "keygen", "--data", dir}, &out, &out); err == nil ||
		!strings.Contains(err.Error(), "never overwritten") {
		t.Errorf("a second keygen: %v, want a refusal", err)
	}
	if again, _ := os.ReadFile(keyFile); !bytes.Equal(again, key) {
		t.Errorf("a second keygen changed the key file")
	}

	first := mustRun(t, "audit", "checkpoint", "--data", dir)
	if size := checkNote(t, first, origin, vkey); size != "6" {
		t.Errorf("first checkpoint of size %s, want the 6 events of 2 reports", size)
	}
	if again := mustRun(t, "audit", "checkpoint", "--data", dir); again != first {
		t.Errorf("a checkpoint of a log that did not grow is a new one:\n%s", again)
	}

	h = startHubIn(t, dir)
	h.file(1)
	waitFor(t, func() bool { return logSize(t, h.m.store) == 9 }) // the hub's appender
	h.m.Close()
	second := mustRun(t, "audit", "checkpoint", "--data", dir)
	if size := checkNote(t, second, origin, vkey); size != "9" {
		t.Errorf("second checkpoint of size %s, want 9", size)
	}

	published := filepath.Join(t.TempDir(), "checkpoint-6")
	pubkey := filepath.Join(t.TempDir(), "audit.pub")
	os.WriteFile(published, []byte(first), 0o600)
	os.WriteFile(pubkey, []byte(vkey+"\n"), 0o600)
	for _, args := range [][]string{{"--audit-pubkey", vkey}, {"--audit-pubkey", pubkey}, nil} {
		out, err := verify(filepath.Join(dir, "cityhub.db"), append([]string{"--data", dir, "--since-checkpoint", published}, args...)...)
		if err != nil || !strings.Contains(out, "the log extends the published checkpoint of 6 events") ||
			!strings.Contains(out, "2 kept checkpoints checked, their signatures too") {
			t.Errorf("verify %v: %v\n%s", args, err, out)
		}
	}
	_, other, _ := dispatcher.NewAuditKey(origin)
	if _, err := verify(filepath.Join(dir, "cityhub.db"), "--since-checkpoint", published, "--audit-pubkey", other); err == nil ||
		!strings.Contains(err.Error(), "not signed by "+origin) {
		t.Errorf("a checkpoint checked with another key: %v", err)
	}
	if _, err := verify(filepath.Join(dir, "cityhub.db"), "--since-checkpoint", published, "--audit-key", filepath.Join(dir, "none")); err == nil ||
		!strings.Contains(err.Error(), "--audit-pubkey") {
		t.Errorf("a checkpoint without any key: %v", err)
	}
}

// TestTwoInstancesAppendEachEventOnce: two instances on one PostgreSQL database take reports at
// once, each running its own appender: the log holds every event exactly once, in ID order (ids
// are drawn by both instances, and their transactions commit in any order). An audit run while
// they write passes: it reads one snapshot.
func TestTwoInstancesAppendEachEventOnce(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	a, b := startInstance(t, dsn, "", ""), startInstance(t, dsn, "", "")
	key, err := a.m.svc.CreateAPIKey(context.Background(), "append")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, h := range []*hub{a, b, a, b, a, b} {
		wg.Go(func() {
			for range 10 {
				if _, status := h.postOpen311(key, 28.95, 106.60); status != 201 {
					t.Errorf("report: %d", status)
				}
			}
		})
	}
	wg.Go(func() {
		if out, err := verify(dsn); err != nil {
			t.Errorf("an audit while two instances write: %v\n%s", err, out)
		}
	})
	wg.Wait()
	var all []*dispatcher.Event
	for {
		after := int64(0)
		if len(all) > 0 {
			after = all[len(all)-1].ID
		}
		page, err := a.m.store.EventsAfter(context.Background(), after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		all = append(all, page...)
	}
	if len(all) != 180 {
		t.Fatalf("%d events, want 3 for each of 60 reports", len(all))
	}
	waitFor(t, func() bool { return logSize(t, a.m.store) >= int64(len(all)) })
	leaves, err := a.m.store.(dispatcher.LogStore).LogLeaves(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(leaves) != len(all) {
		t.Fatalf("the log has %d leaves for %d events", len(leaves), len(all))
	}
	for i, l := range leaves {
		if l.Index != int64(i) || l.EventID != all[i].ID {
			t.Fatalf("leaf %d is event %d, want event %d: each event once, in id order", l.Index, l.EventID, all[i].ID)
		}
	}
	if out, err := verify(dsn); err != nil {
		t.Errorf("audit: %v\n%s", err, out)
	}
}

// TestMigrateCarriesTheAuditLog: `cityhub migrate` copies the seals, the log and the signed
// checkpoints: the copy verifies against a checkpoint published before the move, and the
// checkpoints go on from it.
func TestMigrateCarriesTheAuditLog(t *testing.T) {
	src := startHubOn(t, "")
	dir := src.m.Config.DataDir
	numbers := src.file(3)
	src.m.Close()
	mustRun(t, "audit", "keygen", "--data", dir)
	published := filepath.Join(t.TempDir(), "checkpoint")
	os.WriteFile(published, []byte(mustRun(t, "audit", "checkpoint", "--data", dir)), 0o600)
	src = startHubIn(t, dir)
	src.file(1) // after the checkpoint: in the log or not, the copy must still extend it
	srcCase := func() *dispatcher.Case {
		c, err := src.m.store.CaseByNumber(context.Background(), numbers[0])
		if err != nil {
			t.Fatal(err)
		}
		return c
	}()
	src.m.Close()

	dsn := pgtest.NewDatabase(t)
	mustRun(t, "migrate", "--from", filepath.Join(dir, "cityhub.db"), "--to", dsn)
	out, err := verify(dsn, "--since-checkpoint", published, "--audit-key", filepath.Join(dir, "audit.key"))
	if err != nil || !strings.Contains(out, "the log extends the published checkpoint of 9 events") ||
		!strings.Contains(out, "1 kept checkpoint checked, their signatures too") {
		t.Fatalf("the copy against the checkpoint published before the move: %v\n%s", err, out)
	}
	dst := startInstance(t, dsn, "", "")
	c, err := dst.m.store.CaseByNumber(context.Background(), numbers[0])
	if err != nil || !bytes.Equal(c.Seal, srcCase.Seal) || len(c.Seal) == 0 {
		t.Errorf("the copy's seal %x (%v), want the source's %x", c.Seal, err, srcCase.Seal)
	}
	dst.m.Close()
	next := mustRun(t, "audit", "checkpoint", "--db", dsn, "--audit-key", filepath.Join(dir, "audit.key"))
	if size := strings.Split(next, "\n")[1]; size != "12" {
		t.Errorf("checkpoint of the copy: size %s, want the 12 events", size)
	}
}
