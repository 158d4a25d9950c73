package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// CPU accounting. On a small machine the load generator, the hub, PostgreSQL and Redis share the
// cores, so throughput alone mixes the hub's efficiency with theirs and with the machine's mood
// (its speed moves by a third from one minute to the next). The CPU time each of them spends per
// report is steadier, and it says what a report costs the database server: the figure to set
// against pgbench's cost per transaction. Read from /proc (Linux); elsewhere the figures are
// left out. A process's time includes that of its children that have ended (cutime, cstime): a
// server backend that exits during a run, as pgbench's do before the last sample, is counted
// through the postmaster that reaped it.

// clockTicks is USER_HZ, the unit of the times in /proc/<pid>/stat: 100 on every Linux
// architecture that Go supports.
const clockTicks = 100

// cpuUse is the CPU time (user and system) spent so far by each group of processes, and the
// machine's busy and idle time.
type cpuUse struct {
	hub, postgres, redis, self time.Duration
	busy, idle                 time.Duration
}

// readCPU samples the hub processes (by pid), every process named postgres or redis-server,
// this process, and the machine.
func readCPU(hubPIDs []int) (cpuUse, bool) {
	var u cpuUse
	busy, idle, ok := machineCPU()
	if !ok {
		return u, false
	}
	u.busy, u.idle = busy, idle
	hubs := map[int]bool{}
	for _, pid := range hubPIDs {
		hubs[pid] = true
	}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		name, used, ok := processCPU(pid)
		if !ok {
			continue
		}
		switch {
		case hubs[pid]:
			u.hub += used
		case name == "postgres":
			u.postgres += used
		case name == "redis-server":
			u.redis += used
		}
	}
	var r syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &r) == nil {
		u.self = time.Duration(r.Utime.Nano() + r.Stime.Nano())
	}
	return u, true
}

// processCPU reads a process's name and its user and system time from /proc/<pid>/stat.
func processCPU(pid int) (string, time.Duration, bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return "", 0, false
	}
	return parseStat(b)
}

// parseStat reads the name and the user and system time, its own and its ended children's, from
// the text of /proc/<pid>/stat.
func parseStat(b []byte) (string, time.Duration, bool) {
	// The name is in parentheses and may hold spaces; the fields after it are plain.
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return "", 0, false
	}
	fields := strings.Fields(string(b[end+1:]))
	if len(fields) < 15 { // state is field 3 of stat; utime, stime, cutime and cstime 14 to 17
		return "", 0, false
	}
	var sum int64
	for _, f := range fields[11:15] {
		v, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return "", 0, false
		}
		sum += v
	}
	return string(b[open+1 : end]), ticks(sum), true
}

// machineCPU reads the time all cores have been busy and idle (idle and iowait) from /proc/stat.
func machineCPU() (busy, idle time.Duration, ok bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	fields := strings.Fields(line)
	if len(fields) < 6 || fields[0] != "cpu" {
		return 0, 0, false
	}
	for i, f := range fields[1:] {
		v, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, 0, false
		}
		switch {
		case i == 3 || i == 4: // idle, iowait
			idle += ticks(v)
		case i < 8: // user, nice, system, irq, softirq, steal; guest time is inside user already
			busy += ticks(v)
		}
	}
	return busy, idle, true
}

func ticks(n int64) time.Duration { return time.Duration(n) * time.Second / clockTicks }

// cpuSpent is what was spent between two samples; load is the load generator's time when it is
// another process (wrk, pgbench), or 0 to take this process's own.
func cpuSpent(before, after cpuUse, load time.Duration) cpuUse {
	d := cpuUse{
		hub: after.hub - before.hub, postgres: after.postgres - before.postgres,
		redis: after.redis - before.redis, self: after.self - before.self,
		busy: after.busy - before.busy, idle: after.idle - before.idle,
	}
	if load > 0 {
		d.self = load
	}
	return d
}

// shown names the groups of processes a run involves.
type shown struct{ hub, postgres, redis bool }

// printCPU prints the CPU time per unit of work (a report, a transaction) of each group the run
// involves, of the load generator and of the whole machine, and the machine's idle share.
func printCPU(d cpuUse, units int64, unit, load string, show shown) {
	if units <= 0 || d.busy+d.idle <= 0 {
		return
	}
	per := func(t time.Duration) string {
		return fmt.Sprintf("%.0f µs", float64(t.Microseconds())/float64(units))
	}
	var parts []string
	if show.hub {
		parts = append(parts, "hub "+per(d.hub))
	}
	if show.postgres {
		parts = append(parts, "PostgreSQL "+per(d.postgres))
	}
	if show.redis {
		parts = append(parts, "Redis "+per(d.redis))
	}
	parts = append(parts, load+" "+per(d.self), "whole machine "+per(d.busy))
	fmt.Printf("  CPU per %s: %s; machine idle %.0f%%\n", unit, strings.Join(parts, ", "),
		100*float64(d.idle)/float64(d.busy+d.idle))
}

// printPeakMemory prints the largest resident set each hub process has had (VmHWM), from
// /proc/<pid>/status.
func printPeakMemory(hubPIDs []int) {
	var parts []string
	for _, pid := range hubPIDs {
		b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
		if err != nil {
			return
		}
		for line := range strings.Lines(string(b)) {
			if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
				parts = append(parts, fmt.Sprintf("%.0f MB", float64(kb)/1024))
			}
		}
	}
	fmt.Printf("  hub peak resident memory: %s\n", strings.Join(parts, ", "))
}
