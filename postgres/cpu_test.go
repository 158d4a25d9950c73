package postgres

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// PostgreSQL CPU per operation, for the write benchmarks: the CPU time (user and system) that the
// server's processes used during the benchmark, read from /proc, so only when the server runs on
// this machine and its processes can be read. Two figures: the backends of the store's database
// (the work of the requests, and of anything the store does in the background) and every server
// process (with the WAL writer, checkpointer and others).

// clockTick is the unit of utime and stime in /proc/PID/stat (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

// serverCPU returns the CPU time used so far by each process named postgres, by pid.
func serverCPU() map[int]time.Duration {
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	out := map[int]time.Duration{}
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile(filepath.Join("/proc", d.Name(), "comm"))
		if err != nil || strings.TrimSpace(string(comm)) != "postgres" {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", d.Name(), "stat"))
		if err != nil {
			continue
		}
		// Fields after the command (in parentheses): state ppid ... utime (14th) stime (15th).
		_, rest, ok := strings.Cut(string(stat), ") ")
		f := strings.Fields(rest)
		if !ok || len(f) < 13 {
			continue
		}
		ut, err1 := strconv.ParseInt(f[11], 10, 64)
		st, err2 := strconv.ParseInt(f[12], 10, 64)
		if err1 == nil && err2 == nil {
			out[pid] = time.Duration(ut+st) * clockTick
		}
	}
	return out
}

type cpuMeter struct {
	s     *Store
	start map[int]time.Duration
}

// startCPU takes the first reading; report the second.
func startCPU(s *Store) *cpuMeter {
	return &cpuMeter{s: s, start: serverCPU()}
}

// report adds the server CPU per operation since startCPU (after n operations) to the benchmark's
// figures: pg-µs/op for every server process, backend-µs/op for the backends of the store's
// database. Work the store still owes for those operations (folding the tally log) is waited for
// first and counted.
func (m *cpuMeter) report(b *testing.B, n int) {
	if len(m.start) == 0 || n == 0 {
		return
	}
	ctx := context.Background()
	settle(b, m.s)
	end := serverCPU()
	backends := map[int]bool{}
	rows, err := m.s.pool.Query(ctx, "SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var pid int
		if err := rows.Scan(&pid); err != nil {
			b.Fatal(err)
		}
		backends[pid] = true
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	var all, mine time.Duration
	for pid, t := range end {
		d := t - m.start[pid] // a process started since counts whole
		all += d
		if backends[pid] {
			mine += d
		}
	}
	var logSize, talliesSize int64
	err = m.s.pool.QueryRow(ctx, `SELECT pg_total_relation_size('tally_log'),
		pg_total_relation_size('tallies') + pg_total_relation_size('tally_months')`).Scan(&logSize, &talliesSize)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%d writes: the tally log takes %d kB on disk, the counters %d kB", n, logSize>>10, talliesSize>>10)
	b.ReportMetric(float64(all.Microseconds())/float64(n), "pg-µs/op")
	b.ReportMetric(float64(mine.Microseconds())/float64(n), "backend-µs/op")
}

// settle waits for the store's folder to empty the tally log.
func settle(tb testing.TB, s *Store) {
	tb.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var n int64
		if err := s.pool.QueryRow(context.Background(), "SELECT COUNT(*) FROM tally_log").Scan(&n); err != nil {
			tb.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("the tally log still holds %d rows after a minute", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
