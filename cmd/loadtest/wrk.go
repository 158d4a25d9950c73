package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// With -wrk, the reports are sent by wrk (Debian package wrk), a load generator written in C,
// instead of this program's Go client. On a small machine the load generator shares the CPU with
// the hub and the database, and the Go client costs several times what wrk does per request;
// wrk is the counterpart of pgbench, the C client of the database baseline.

// wrkScript makes the same reports as form: random points in the urban areas, random service
// codes, one api key. Each wrk thread seeds its own generator. done prints the run's figures on
// lines that fireWrk reads.
const wrkScript = `
local areas = {%s}
local codes = {"0501", "0504", "0505", "0102", "0301"}
local fixed = "%s"
local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end

function init(args)
  math.randomseed(id * 7919)
end

function request()
  local a = areas[math.random(#areas)]
  local body = string.format("%%s&lat=%%.6f&long=%%.6f&service_code=%%s", fixed,
    a[1] + math.random() * (a[2] - a[1]), a[3] + math.random() * (a[4] - a[3]), codes[math.random(#codes)])
  return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("wrk-result %%d %%d %%d %%d %%d %%d %%d\n", summary.requests, summary.duration,
    e.connect, e.read, e.write, e.status, e.timeout))
  io.write(string.format("wrk-latency %%d %%d %%d %%d\n", latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max))
end
`

// fireWrk runs wrk against endpoint for d with the given number of connections, and prints the
// same report as the Go client. Every request that got no 2xx answer, or none at all, is counted
// as failed. It returns the number of reports that succeeded and the CPU time wrk spent.
func fireWrk(wrk, dir, endpoint, key string, workers int, d time.Duration) (int64, time.Duration, error) {
	var boxes []string
	for _, a := range areas {
		boxes = append(boxes, fmt.Sprintf("{%g, %g, %g, %g}", a[0], a[1], a[2], a[3]))
	}
	fixed := url.Values{"api_key": {key}, "description": {"负载测试：人行道流动摊贩占道经营"}}.Encode()
	script := filepath.Join(dir, "open311.lua")
	if err := os.WriteFile(script, fmt.Appendf(nil, wrkScript, strings.Join(boxes, ", "), fixed), 0o644); err != nil {
		return 0, 0, err
	}
	cmd := exec.Command(wrk, "-t2", fmt.Sprintf("-c%d", workers), fmt.Sprintf("-d%ds", int(d.Seconds())),
		"--timeout", "30s", "-s", script, endpoint)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return 0, 0, fmt.Errorf("wrk: %w\n%s", err, out.String())
	}
	var requests, durUS, connect, read, write, status, timeout, p50, p90, p99, maxUS int64
	sc := bufio.NewScanner(&out)
	found := 0
	for sc.Scan() {
		line := sc.Text()
		if n, _ := fmt.Sscanf(line, "wrk-result %d %d %d %d %d %d %d", &requests, &durUS, &connect, &read, &write,
			&status, &timeout); n == 7 {
			found++
		}
		if n, _ := fmt.Sscanf(line, "wrk-latency %d %d %d %d", &p50, &p90, &p99, &maxUS); n == 4 {
			found++
		}
	}
	if found != 2 {
		return 0, 0, fmt.Errorf("wrk printed no figures:\n%s", out.String())
	}
	failed := status + timeout + connect + read + write
	elapsed := time.Duration(durUS) * time.Microsecond
	us := func(v int64) time.Duration { return time.Duration(v) * time.Microsecond }
	fmt.Printf("Open311 POST /requests.json (wrk): %d reports, %d connections, 1 instance\n", requests, workers)
	fmt.Printf("  succeeded %d, failed %d, elapsed %.2fs\n", requests-status, failed, elapsed.Seconds())
	fmt.Printf("  throughput %.0f reports/s\n", float64(requests-status)/elapsed.Seconds())
	fmt.Printf("  latency p50 %v  p90 %v  p99 %v  max %v\n", us(p50), us(p90), us(p99), us(maxUS))
	return requests - status, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), nil
}
