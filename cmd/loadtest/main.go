// Command loadtest measures Open311 POST throughput and latency against real cityhub processes.
//
// It builds nothing: it runs bin/cityhub (make build) on a temporary data directory and free
// loopback ports, creates an api key, then sends a bounded number of reports from a few concurrent
// clients to random points inside the district and prints throughput and latency percentiles.
// With -instances 2 (PostgreSQL and Redis), it then files reports through the first instance at a
// steady rate and measures how long each takes to reach a console on the second.
//
//	go run ./cmd/loadtest [-bin bin/cityhub] [-n 20000] [-c 32] [-db DSN] [-redis URL] [-instances N]
//	go run ./cmd/loadtest -wrk /usr/bin/wrk [-duration 15s] [-c 32] [-db DSN] [-redis URL] [-consoles]
//	go run ./cmd/loadtest -pgbench /usr/bin/pgbench -db DSN [-duration 15s] [-c 32]
//	go run ./cmd/loadtest -wechat 200 [-wechat-think 1s] [-wechat-media-delay 2s] [-db DSN] [-redis URL]
//
// Each run also prints the CPU time spent per report by the hub, PostgreSQL, Redis and the load
// generator (Linux), which is steadier than throughput on a machine they share.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

func main() {
	bin := flag.String("bin", "bin/cityhub", "cityhub binary")
	total := flag.Int("n", 20000, "reports to send")
	workers := flag.Int("c", 32, "concurrent clients")
	dsn := flag.String("db", "", "store DSN (default: SQLite in a temporary directory)")
	redisURL := flag.String("redis", "", "Redis URL shared by the instances")
	instances := flag.Int("instances", 1, "hub processes sharing the store (needs -db postgres://)")
	deliveries := flag.Int("deliveries", 1000, "reports timed from one instance to a console on another")
	wrk := flag.String("wrk", "", "send the reports with this wrk binary for -duration instead of -n with the Go client (one instance)")
	duration := flag.Duration("duration", 15*time.Second, "how long wrk (or pgbench) sends reports")
	consoles := flag.Bool("consoles", false, "keep a command-centre console open on each instance while the reports are sent")
	pgbench := flag.String("pgbench", "", "run this pgbench binary against -db for -duration instead (the baseline)")
	conversations := flag.Int("wechat", 0, "run this many WeChat conversations at once instead (after 20 one at a time)")
	mediaDelay := flag.Duration("wechat-media-delay", 2*time.Second, "how long the fake WeChat API takes to serve a photo")
	think := flag.Duration("wechat-think", time.Second, "a citizen's pause between messages in the paced run")
	flag.Parse()
	if *conversations > 0 {
		cfg := setup{bin: *bin, dsn: *dsn, redis: *redisURL, instances: 1}
		if err := runWeChat(cfg, *conversations, *mediaDelay, *think); err != nil {
			fmt.Fprintln(os.Stderr, "loadtest:", err)
			os.Exit(1)
		}
		return
	}
	if *pgbench != "" {
		dir, err := os.MkdirTemp("", "cityhub-baseline-")
		if err == nil {
			err = runBaseline(*pgbench, *dsn, dir, *workers, *duration)
			os.RemoveAll(dir)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadtest:", err)
			os.Exit(1)
		}
		return
	}
	cfg := setup{bin: *bin, dsn: *dsn, redis: *redisURL, instances: *instances, wrk: *wrk, duration: *duration,
		consoles: *consoles}
	if err := run(cfg, *total, *workers, *deliveries); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

type setup struct {
	bin, dsn, redis string
	instances       int
	wrk             string        // wrk binary, or "" for the Go client
	duration        time.Duration // of a wrk run
	consoles        bool          // a console open on each instance during the run
	prefix          string        // Redis namespace of this run, removed at the end
	env             []string      // more environment for the hub (the WeChat account)
}

func run(cfg setup, total, workers, deliveries int) error {
	dir, err := os.MkdirTemp("", "cityhub-load-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg.prefix = fmt.Sprintf("cityhub-load-%d", os.Getpid())
	if cfg.redis != "" {
		defer deleteKeys(cfg.redis, cfg.prefix)
	}
	var addrs []string
	var pids []int
	for i := 0; i < cfg.instances; i++ {
		addr, err := freeAddr()
		if err != nil {
			return err
		}
		stop, pid, err := startHub(cfg, filepath.Join(dir, fmt.Sprint(i)), addr)
		if err != nil {
			return err
		}
		defer stop()
		addrs, pids = append(addrs, addr), append(pids, pid)
	}
	key, err := apiKey(cfg.bin, filepath.Join(dir, "0"), cfg.dsn)
	if err != nil {
		return err
	}
	if cfg.consoles {
		stopWatching, err := watch(addrs)
		if err != nil {
			return err
		}
		defer func() { fmt.Printf("  consoles received %d case events\n", stopWatching()) }()
	}
	before, measured := readCPU(pids)
	succeeded, loadCPU, loadName := int64(0), time.Duration(0), "Go client"
	if cfg.wrk != "" {
		if len(addrs) != 1 {
			return errors.New("-wrk drives one instance")
		}
		var err error
		succeeded, loadCPU, err = fireWrk(cfg.wrk, dir, endpoints(addrs)[0], key, workers, cfg.duration)
		if err != nil {
			return err
		}
		loadName = "wrk"
	} else {
		lat, elapsed, failed := fire(endpoints(addrs), key, total, workers)
		report(total, workers, len(addrs), lat, elapsed, failed)
		succeeded = int64(total) - failed
	}
	if after, ok := readCPU(pids); ok && measured {
		printCPU(cpuSpent(before, after, loadCPU), succeeded, "report", loadName, cfg.shown())
	}
	printPeakMemory(pids)
	reportCommits(addrs)
	if cfg.wrk == "" && len(addrs) > 1 && deliveries > 0 {
		return measureDelivery(addrs[0], addrs[len(addrs)-1], key, deliveries)
	}
	return nil
}

// shown names the processes a run involves, for the CPU figures.
func (cfg setup) shown() shown {
	return shown{hub: true, postgres: strings.HasPrefix(cfg.dsn, "postgres"), redis: cfg.redis != ""}
}

func endpoints(addrs []string) []string {
	var out []string
	for _, a := range addrs {
		out = append(out, "http://"+a+"/open311/v2/requests.json")
	}
	return out
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startHub starts a hub process and waits until it is healthy; it returns how to stop it and its
// pid.
func startHub(cfg setup, dir, addr string) (func(), int, error) {
	// The per-key cap (600/min by default) is lifted: this measures capacity, from one key.
	args := []string{"serve", "--demo", "--data", dir, "--addr", addr, "--open311-rate", "0"}
	if cfg.dsn != "" {
		args = append(args, "--db", cfg.dsn)
	}
	if cfg.redis != "" {
		args = append(args, "--redis", cfg.redis, "--redis-prefix", cfg.prefix)
	}
	cmd := exec.Command(cfg.bin, args...)
	cmd.Env = append(append(os.Environ(), "CITYHUB_DEMO_PASSWORD=load-test", "CITYHUB_LOG_LEVEL=warn"), cfg.env...)
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, 0, err
	}
	stop := func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() }
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return stop, cmd.Process.Pid, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	stop()
	return nil, 0, errors.New("the hub did not become healthy in 30 s")
}

func apiKey(bin, dir, dsn string) (string, error) {
	args := []string{"apikey", "create", "--data", dir, "--name", "loadtest"}
	if dsn != "" {
		args = append(args, "--db", dsn)
	}
	out, err := exec.Command(bin, args...).Output()
	return strings.TrimSpace(string(out)), err
}

// Points in the 綦江区 urban streets, routed to a bureau unit.
var areas = [][4]float64{ // lat0, lat1, lng0, lng1
	{28.93, 28.99, 106.58, 106.64}, {28.90, 28.96, 106.64, 106.70}, {29.06, 29.11, 106.60, 106.66},
}

func form(key string, rng *rand.Rand) url.Values {
	a := areas[rng.IntN(len(areas))]
	codes := []string{"0501", "0504", "0505", "0102", "0301"}
	return url.Values{
		"api_key": {key}, "service_code": {codes[rng.IntN(len(codes))]},
		"lat":         {fmt.Sprintf("%.6f", a[0]+rng.Float64()*(a[1]-a[0]))},
		"long":        {fmt.Sprintf("%.6f", a[2]+rng.Float64()*(a[3]-a[2]))},
		"description": {"负载测试：人行道流动摊贩占道经营"},
	}
}

// fire sends total reports from workers clients, spread over the endpoints, and returns every
// success's latency.
func fire(endpoints []string, key string, total, workers int) ([]time.Duration, time.Duration, int64) {
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	var next, failed atomic.Int64
	var mu sync.Mutex
	var all []time.Duration
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			endpoint := endpoints[int(seed)%len(endpoints)]
			rng := rand.New(rand.NewPCG(seed, 7))
			var mine []time.Duration
			for next.Add(1) <= int64(total) && ctx.Err() == nil {
				body := form(key, rng).Encode()
				t0 := time.Now()
				resp, err := client.Post(endpoint, "application/x-www-form-urlencoded", bytes.NewBufferString(body))
				if err != nil || resp.StatusCode != http.StatusCreated {
					failed.Add(1)
				} else {
					mine = append(mine, time.Since(t0))
				}
				if resp != nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}(uint64(w))
	}
	wg.Wait()
	return all, time.Since(start), failed.Load()
}

func report(total, workers, instances int, lat []time.Duration, elapsed time.Duration, failed int64) {
	pct := percentiles(lat)
	fmt.Printf("Open311 POST /requests.json: %d reports, %d clients, %d instance(s)\n", total, workers, instances)
	fmt.Printf("  succeeded %d, failed %d, elapsed %.2fs\n", len(lat), failed, elapsed.Seconds())
	fmt.Printf("  throughput %.0f reports/s\n", float64(len(lat))/elapsed.Seconds())
	fmt.Printf("  latency p50 %v  p90 %v  p99 %v  max %v\n", pct(.5).Round(time.Microsecond),
		pct(.9).Round(time.Microsecond), pct(.99).Round(time.Microsecond), pct(1).Round(time.Microsecond))
}

// reportCommits prints how the instances' stores grouped the case writes into transactions, from
// their /metrics.
func reportCommits(addrs []string) {
	var writes, commits float64
	for _, a := range addrs {
		resp, err := http.Get("http://" + a + "/metrics")
		if err != nil {
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, line := range strings.Split(string(body), "\n") {
			var v float64
			if _, err := fmt.Sscanf(line, "cityhub_store_writes_total %g", &v); err == nil {
				writes += v
			}
			if _, err := fmt.Sscanf(line, "cityhub_store_commits_total %g", &v); err == nil {
				commits += v
			}
		}
	}
	if commits > 0 {
		fmt.Printf("  store: %.0f case writes in %.0f transactions (%.1f per transaction)\n", writes, commits, writes/commits)
	}
}

// percentiles sorts d and returns a function giving its p-quantile.
func percentiles(d []time.Duration) func(float64) time.Duration {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return func(p float64) time.Duration {
		if len(d) == 0 {
			return 0
		}
		return d[int(p*float64(len(d)-1))]
	}
}

// deleteKeys removes the run's Redis keys (repeat-report windows, sign-in counters).
func deleteKeys(redisURL, prefix string) {
	opt, err := goredis.ParseURL(redisURL)
	if err != nil {
		return
	}
	c := goredis.NewClient(opt)
	defer c.Close()
	ctx := context.Background()
	iter := c.Scan(ctx, 0, prefix+":*", 1000).Iterator()
	for iter.Next(ctx) {
		c.Del(ctx, iter.Val())
	}
}
