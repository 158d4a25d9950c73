package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"cityhub/dispatcher"
	"cityhub/sqlite"
)

// buildBinary compiles cityhub once per test run into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "cityhub")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go build: %v", err)
	}
	return bin
}

// TestAcceptedReportSurvivesKill9 posts reports from several clients to a real cityhub process,
// kills it with SIGKILL while requests are in flight, and checks that every report that was
// answered 201 is in the store afterwards.
func TestAcceptedReportSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	proc := startProcess(t, bin, dir, addr) // loads the demo data, which api keys need
	key := createAPIKey(t, bin, dir)

	accepted := killWhileSending(t, proc, 4, 50, func(stop <-chan struct{}, ok func(string)) {
		postUntilStopped(addr, key, stop, ok)
	})

	store, err := sqlite.Open(filepath.Join(dir, "cityhub.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for _, id := range accepted {
		if _, err := store.CaseByNumber(context.Background(), id); err != nil {
			t.Errorf("report %s was answered 201 but is not in the store: %v", id, err)
		}
	}
	t.Logf("%d reports answered 201 before SIGKILL; all present", len(accepted))
	if _, _, err := dispatcher.AuditStore(context.Background(), store); err != nil {
		t.Errorf("audit after kill: %v", err)
	}
}

// killWhileSending runs workers clients, each calling send until told to stop, kills the process
// with SIGKILL once at least atLeast requests were answered with success, and answers what each
// success named (a case number, a file's hash): what the store must hold after the kill.
func killWhileSending(t *testing.T, proc *exec.Cmd, workers, atLeast int, send func(stop <-chan struct{}, ok func(string))) []string {
	t.Helper()
	var mu sync.Mutex
	var accepted []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			send(stop, func(id string) {
				mu.Lock()
				accepted = append(accepted, id)
				mu.Unlock()
			})
		}()
	}
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(accepted) >= atLeast })
	if err := proc.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = proc.Wait()
	close(stop)
	wg.Wait()
	return accepted
}

func createAPIKey(t *testing.T, bin, dir string) string {
	t.Helper()
	out, err := exec.Command(bin, "apikey", "create", "--data", dir, "--name", "durability").Output()
	if err != nil {
		t.Fatalf("apikey create: %v", err)
	}
	return strings.TrimSpace(string(out))
}

func startProcess(t *testing.T, bin, dir, addr string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--demo", "--data", dir, "--addr", addr)
	cmd.Env = append(os.Environ(), "CITYHUB_DEMO_PASSWORD=durable", "CITYHUB_LOG_LEVEL=warn")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	waitFor(t, func() bool {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return cmd
}

func postUntilStopped(addr, key string, stop <-chan struct{}, accepted func(string)) {
	client := &http.Client{Timeout: 5 * time.Second}
	form := url.Values{"api_key": {key}, "service_code": {"0501"}, "lat": {"28.95"}, "long": {"106.60"},
		"description": {"占道经营"}}
	for {
		select {
		case <-stop:
			return
		default:
		}
		resp, err := client.Post("http://"+addr+"/open311/v2/requests.json", "application/x-www-form-urlencoded",
			bytes.NewBufferString(form.Encode()))
		if err != nil {
			continue // the process is gone; keep trying until told to stop
		}
		var body []struct {
			ID string `json:"service_request_id"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusCreated && err == nil && len(body) == 1 {
			accepted(body[0].ID)
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("condition not met within 30 s")
}
