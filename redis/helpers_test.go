package redis_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"cityhub/dispatcher"
	"cityhub/redis"
)

// The shared Redis of this machine and of CI. Tests never stop it and only touch keys and
// channels under their own prefix, which they delete when they end.
func sharedURL() string {
	if u := os.Getenv("CITYHUB_TEST_REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

// testLog is shared by every test: go-redis keeps the logger of the first Client opened for the
// whole process, so it must not be tied to one test.
var testLog = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))

func newPrefix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "cityhubtest-" + hex.EncodeToString(b[:])
}

// sharedPrefix returns a fresh prefix on the shared Redis and deletes every key under it when the
// test ends. It fails the test (never skips it) when that Redis cannot be reached. Call it before
// opening Clients, so that their cleanup (Close) runs before the keys are deleted.
func sharedPrefix(tb testing.TB) string {
	tb.Helper()
	prefix := newPrefix()
	raw := rawClient(tb, sharedURL())
	tb.Cleanup(func() {
		deleteKeys(tb, raw, prefix)
		_ = raw.Close()
	})
	return prefix
}

// rawClient is a plain go-redis client for looking at keys behind the Client's back.
func rawClient(tb testing.TB, url string) *goredis.Client {
	tb.Helper()
	o, err := goredis.ParseURL(url)
	if err != nil {
		tb.Fatalf("parsing %s: %v", url, err)
	}
	raw := goredis.NewClient(o)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := raw.Ping(ctx).Err(); err != nil {
		_ = raw.Close()
		tb.Fatalf("redis at %s is unreachable (the tests need it): %v", url, err)
	}
	return raw
}

func deleteKeys(tb testing.TB, raw *goredis.Client, prefix string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var cursor uint64
	for {
		keys, next, err := raw.Scan(ctx, cursor, prefix+":*", 500).Result()
		if err != nil {
			tb.Errorf("cleaning up keys %s:*: %v", prefix, err)
			return
		}
		if len(keys) > 0 {
			if err := raw.Del(ctx, keys...).Err(); err != nil {
				tb.Errorf("cleaning up keys %s:*: %v", prefix, err)
				return
			}
		}
		if cursor = next; cursor == 0 {
			return
		}
	}
}

// open opens a Client that the test closes when it ends.
func open(tb testing.TB, url string, opts redis.Options) *redis.Client {
	tb.Helper()
	if opts.Logger == nil {
		opts.Logger = testLog
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := redis.OpenWith(ctx, url, opts)
	if err != nil {
		tb.Fatalf("opening %s: %v", url, err)
	}
	tb.Cleanup(func() {
		if err := c.Close(); err != nil {
			tb.Errorf("closing the client: %v", err)
		}
	})
	return c
}

// waitFor polls cond until it holds, failing the test after timeout.
func waitFor(tb testing.TB, what string, timeout time.Duration, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// subscribed subscribes to c once its subscription is established, and empties the channel of the
// wake-up that comes with establishing it.
func subscribed(tb testing.TB, c *redis.Client) (<-chan int64, func()) {
	tb.Helper()
	ch, unsubscribe := c.Subscribe()
	tb.Cleanup(unsubscribe)
	waitFor(tb, "the subscription", 10*time.Second, c.Connected)
	drain(ch)
	return ch, unsubscribe
}

func drain(ch <-chan int64) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}

// receive waits up to timeout for a wake-up.
func receive(ch <-chan int64, timeout time.Duration) (int64, bool) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case id := <-ch:
		return id, true
	case <-t.C:
		return 0, false
	}
}

// waitID reads wake-ups until one equals id; it gives up after timeout.
func waitID(ch <-chan int64, id int64, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		got, ok := receive(ch, time.Until(deadline))
		if !ok {
			return false
		}
		if got == id {
			return true
		}
	}
}

// pending returns the wake-up waiting in ch, if any, without waiting.
func pending(ch <-chan int64) (int64, bool) {
	select {
	case id := <-ch:
		return id, true
	default:
		return 0, false
	}
}

func wantCode(tb testing.TB, what string, err error, code string) {
	tb.Helper()
	if got := dispatcher.ErrorCode(err); got != code {
		tb.Fatalf("%s: error code %q (err %v), want %q", what, got, err, code)
	}
}

// privateRedis is a redis-server of the test's own, on a free loopback port, that the test may
// stop and start again (on the same port) without disturbing the shared server.
type privateRedis struct {
	tb   testing.TB
	dir  string
	port int
	cmd  *exec.Cmd
	done chan error
}

func startPrivateRedis(tb testing.TB) *privateRedis {
	tb.Helper()
	s := &privateRedis{tb: tb, dir: tb.TempDir(), port: freePort(tb)}
	s.start()
	tb.Cleanup(s.stop)
	return s
}

func (s *privateRedis) url() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", s.port) }

func (s *privateRedis) start() {
	s.tb.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		bin = "/usr/bin/redis-server"
	}
	cmd := exec.Command(bin,
		"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no",
		"--dir", s.dir, "--logfile", filepath.Join(s.dir, "redis.log"), "--loglevel", "warning")
	if err := cmd.Start(); err != nil {
		s.tb.Fatalf("starting %s: %v", bin, err)
	}
	s.cmd = cmd
	s.done = make(chan error, 1)
	go func() { s.done <- cmd.Wait() }()

	deadline := time.Now().Add(10 * time.Second)
	for !s.answers() {
		select {
		case err := <-s.done:
			s.cmd = nil
			log, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
			s.tb.Fatalf("redis-server on port %d exited: %v\n%s", s.port, err, log)
		default:
		}
		if time.Now().After(deadline) {
			s.stop()
			s.tb.Fatalf("redis-server on port %d did not answer within 10 s", s.port)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// answers reports whether the server answers PING.
func (s *privateRedis) answers() bool {
	conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.port), time.Second)
	if err != nil {
		return false
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "+PONG")
}

// freeze stops the server process (SIGSTOP): its connections stay open but nothing answers.
func (s *privateRedis) freeze() {
	if s.cmd != nil {
		_ = s.cmd.Process.Signal(syscall.SIGSTOP)
	}
}

// thaw lets a frozen server go on (SIGCONT).
func (s *privateRedis) thaw() {
	if s.cmd != nil {
		_ = s.cmd.Process.Signal(syscall.SIGCONT)
	}
}

// stop ends the server (SIGTERM, then SIGKILL after 10 s) and waits for it.
func (s *privateRedis) stop() {
	if s.cmd == nil {
		return
	}
	s.thaw()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd = nil
}

func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("finding a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func itoa(n int) string { return strconv.Itoa(n) }
