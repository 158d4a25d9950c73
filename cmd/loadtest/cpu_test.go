package main

import (
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	// A name with a space and a parenthesis, as a process may choose; utime 250 and stime 50 ticks,
	// and 100 and 20 of children that have ended (a postmaster's backends).
	line := "4242 (post) gres) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 50 100 20 20 0 1 0 100 0 0\n"
	name, used, ok := parseStat([]byte(line))
	if !ok || name != "post) gres" || used != 4200*time.Millisecond {
		t.Fatalf("parseStat = %q, %v, %v; want \"post) gres\", 4.2s, true", name, used, ok)
	}
	if _, _, ok := parseStat([]byte("4242 (short) S 1 2 3")); ok {
		t.Fatal("a truncated line was read")
	}
}

func TestCPUSpentTakesAnotherLoadGenerator(t *testing.T) {
	before := cpuUse{hub: time.Second, postgres: 2 * time.Second, self: time.Second, busy: 10 * time.Second}
	after := cpuUse{hub: 3 * time.Second, postgres: 5 * time.Second, self: 4 * time.Second, busy: 20 * time.Second,
		idle: time.Second}
	d := cpuSpent(before, after, 0)
	if d.hub != 2*time.Second || d.postgres != 3*time.Second || d.self != 3*time.Second || d.busy != 10*time.Second {
		t.Fatalf("cpuSpent = %+v", d)
	}
	if d := cpuSpent(before, after, 7*time.Second); d.self != 7*time.Second {
		t.Fatalf("the load generator's own time was not taken: %+v", d)
	}
}
