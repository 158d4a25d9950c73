package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Private servers for fault tests: stopping the machine's shared PostgreSQL or Redis would break
// every other test running against them, so a test that needs to stop one starts its own.

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// privateRedis is a redis-server of the test's own, on a free loopback port.
type privateRedis struct {
	t    *testing.T
	port int
	dir  string
	cmd  *exec.Cmd
}

func startPrivateRedis(t *testing.T) *privateRedis {
	t.Helper()
	r := &privateRedis{t: t, port: freePort(t), dir: t.TempDir()}
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *privateRedis) url() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.port) }

func (r *privateRedis) start() {
	r.t.Helper()
	r.cmd = exec.Command("redis-server", "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", r.dir)
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("redis-server: %v", err)
	}
	waitTCP(r.t, r.port)
}

func (r *privateRedis) stop() {
	if r.cmd != nil && r.cmd.Process != nil {
		_ = r.cmd.Process.Kill()
		_ = r.cmd.Wait()
		r.cmd = nil
	}
}

func waitTCP(t *testing.T, port int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("nothing listens on port %d after 30 s", port)
}

// privatePostgres is a PostgreSQL cluster of the test's own, run as the postgres system user
// (PostgreSQL refuses to run as root).
type privatePostgres struct {
	t    *testing.T
	port int
	dir  string
	bin  string
}

func startPrivatePostgres(t *testing.T) *privatePostgres {
	t.Helper()
	bin := postgresBin(t)
	dir, err := os.MkdirTemp("", "cityhub-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := &privatePostgres{t: t, port: freePort(t), dir: dir, bin: bin}
	p.asPostgres("chown", "-R", "postgres:postgres", dir) // runs as root: see asPostgres
	p.asPostgres(filepath.Join(bin, "initdb"), "-D", p.data(), "-A", "trust", "-U", "postgres", "--no-sync")
	p.ctl("start")
	t.Cleanup(func() { p.ctl("stop", "-m", "immediate") })
	return p
}

func (p *privatePostgres) data() string { return filepath.Join(p.dir, "data") }

func (p *privatePostgres) dsn() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.port)
}

// ctl runs pg_ctl start/stop/restart and waits for it to finish.
func (p *privatePostgres) ctl(args ...string) {
	p.t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1", p.port, p.dir)
	full := append([]string{"-D", p.data(), "-o", opts, "-l", filepath.Join(p.dir, "log"), "-w"}, args...)
	p.asPostgres(filepath.Join(p.bin, "pg_ctl"), full...)
}

// asPostgres runs a command as the postgres user when the test runs as root; chown always runs
// as the caller.
func (p *privatePostgres) asPostgres(name string, args ...string) {
	p.t.Helper()
	cmd := exec.Command(name, args...)
	if name != "chown" && os.Geteuid() == 0 {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", name}, args...)...)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(p.dir, "log"))
		p.t.Fatalf("%s %s: %v\n%s\n%s", name, strings.Join(args, " "), err, out, log)
	}
}

func postgresBin(t *testing.T) string {
	t.Helper()
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if len(matches) == 0 {
		t.Fatal("no PostgreSQL server binaries under /usr/lib/postgresql (install postgresql)")
	}
	return filepath.Dir(matches[len(matches)-1])
}
