package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// The baseline of the PostgreSQL figures: pgbench running single-row INSERT transactions from as
// many clients as the hub's load test, against the same server, measured the same way (CPU time
// per transaction beside the throughput).

const baselineTable = `CREATE TABLE IF NOT EXISTS reports (
	id bigserial PRIMARY KEY, body text NOT NULL, at timestamptz NOT NULL DEFAULT now())`

const baselineInsert = "INSERT INTO reports (body) VALUES ('pgbench baseline: one report');\n"

var (
	pgbenchTPS  = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)
	pgbenchDone = regexp.MustCompile(`number of transactions actually processed: ([0-9]+)`)
)

// runBaseline runs pgbench against dsn (a database of its own: it creates the table reports
// there) for d with the given number of clients, and prints its throughput and CPU use.
func runBaseline(pgbench, dsn, dir string, clients int, d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	_, err = conn.Exec(ctx, baselineTable)
	conn.Close(ctx)
	if err != nil {
		return err
	}
	script := filepath.Join(dir, "insert.sql")
	if err := os.WriteFile(script, []byte(baselineInsert), 0o644); err != nil {
		return err
	}
	before, measured := readCPU(nil)
	cmd := exec.Command(pgbench, "-n", "-c", strconv.Itoa(clients), "-j", "2", "-T", strconv.Itoa(int(d.Seconds())),
		"-f", script, dsn)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("pgbench: %w\n%s", err, out.String())
	}
	after, ok := readCPU(nil)
	tps, done := pgbenchTPS.FindSubmatch(out.Bytes()), pgbenchDone.FindSubmatch(out.Bytes())
	if tps == nil || done == nil {
		return fmt.Errorf("pgbench printed no figures:\n%s", out.String())
	}
	n, _ := strconv.ParseInt(string(done[1]), 10, 64)
	fmt.Printf("pgbench: single-row INSERT transactions, %d clients, %v\n", clients, d)
	fmt.Printf("  %d transactions, %s tps\n", n, tps[1])
	if ok && measured {
		load := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		printCPU(cpuSpent(before, after, load), n, "transaction", "pgbench", shown{postgres: true})
	}
	return nil
}
