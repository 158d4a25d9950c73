package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"cityhub/dispatcher"
	"cityhub/intake/open311"
)

// TestAPIKeyListDisableEnable: an operator disables a key by the id `apikey list` shows, and the
// running hub's Open311 intake refuses it with Open311's error list; enabled again, the key files
// reports again. An id that names no key, or a missing or unknown verb, is refused. (Each command
// that opens a service builds the district's router, seconds under the race detector: the test
// runs as few as it can.)
func TestAPIKeyListDisableEnable(t *testing.T) {
	h := startHub(t)
	out := h.cli(t, "apikey", "create", "--name", "12345 热线")
	key := strings.TrimSuffix(out, "\n")
	if strings.ContainsAny(key, " \n") || len(key) < 32 {
		t.Fatalf("apikey create printed %q, want only the key", out)
	}
	if _, err := h.m.svc.CreateAPIKey(context.Background(), "微信公众号"); err != nil {
		t.Fatal(err)
	}
	id := dispatcher.HashSecret(key)[:12]

	// Disabled before the hub has used it, so that no instance trusts it from memory.
	if out := h.cli(t, "apikey", "disable", id); !strings.Contains(out, "disabled api key "+id+" (12345 热线)") {
		t.Errorf("apikey disable printed %q", out)
	}
	list := h.cli(t, "apikey", "list")
	wantListed(t, list, id, "disabled", "12345 热线")
	wantListed(t, list, "", "enabled", "微信公众号")
	if status, errs := h.postOpen311Raw(key); status != http.StatusForbidden || len(errs) != 1 ||
		errs[0].Code != http.StatusForbidden || !strings.Contains(errs[0].Description, "invalid api_key") {
		t.Fatalf("report with a disabled key: %d %+v; want 403 and one error saying invalid api_key", status, errs)
	}

	if out := h.cli(t, "apikey", "enable", id[:8]); !strings.Contains(out, "enabled api key "+id) {
		t.Errorf("apikey enable printed %q", out)
	}
	if status, errs := h.postOpen311Raw(key); status != http.StatusCreated {
		t.Fatalf("report with the key enabled again: %d %+v", status, errs)
	}

	if _, err := h.run("apikey", "disable", flip(id)); dispatcher.ErrorCode(err) != dispatcher.ENotFound {
		t.Errorf("apikey disable of an unknown id: %v, want %s", err, dispatcher.ENotFound)
	}
	for _, args := range [][]string{{"apikey"}, {"apikey", "rotate"}, {"apikey", "disable"}, {"apikey", "list", "extra"}} {
		var ue usageError
		if err := run(context.Background(), args, io.Discard, io.Discard); !errors.As(err, &ue) {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
}

// flip changes an id's first digit, so that it names no key.
func flip(id string) string {
	if id[0] == '0' {
		return "1" + id[1:]
	}
	return "0" + id[1:]
}

// run runs a cityhub command on the hub's store and returns what it printed on stdout.
func (h *hub) run(args ...string) (string, error) {
	var out bytes.Buffer
	args = append(args, "--data", h.m.Config.DataDir, "--db", h.m.Config.DB)
	err := run(context.Background(), args, &out, io.Discard)
	return out.String(), err
}

// cli is run, failing the test if the command fails.
func (h *hub) cli(t *testing.T, args ...string) string {
	t.Helper()
	out, err := h.run(args...)
	if err != nil {
		t.Fatalf("cityhub %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// wantListed checks that an `apikey list` output has its header and a line for the key with the
// id (any id when empty), status and name, in the header's columns.
func wantListed(t *testing.T, out, id, status, name string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	header := lines[0]
	if strings.Join(strings.Fields(header), " ") != "ID STATUS CREATED NAME" {
		t.Fatalf("apikey list header %q\n%s", header, out)
	}
	for _, line := range lines[1:] {
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], id) || strings.Join(f[3:], " ") != name {
			continue
		}
		if len(f[0]) != 12 || f[1] != status {
			t.Errorf("apikey list line %q, want a 12-digit id, %s", line, status)
		}
		if c, err := time.Parse(time.RFC3339, f[2]); err != nil || !strings.HasSuffix(f[2], "Z") || time.Since(c) > time.Hour {
			t.Errorf("apikey list created %q: want RFC 3339 in UTC, now (%v)", f[2], err)
		}
		if strings.Index(line, f[1]) != strings.Index(header, "STATUS") || strings.Index(line, f[2]) != strings.Index(header, "CREATED") ||
			!strings.HasSuffix(line, name) || strings.Index(line, name) != strings.Index(header, "NAME") {
			t.Errorf("apikey list columns are not aligned:\n%s", out)
		}
		return
	}
	t.Errorf("apikey list does not show %s %s:\n%s", id, name, out)
}

// postOpen311Raw files an Open311 report with the key and returns the status and any errors.
func (h *hub) postOpen311Raw(key string) (int, []open311.Error) {
	h.t.Helper()
	resp, err := http.PostForm(h.base+"/open311/v2/requests.json", url.Values{"api_key": {key},
		"service_code": {"0501"}, "lat": {"28.95"}, "long": {"106.60"}, "description": {"占道经营"}})
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var errs []open311.Error
	if resp.StatusCode >= 400 {
		if err := json.NewDecoder(resp.Body).Decode(&errs); err != nil {
			h.t.Fatalf("open311 error body: %v", err)
		}
	}
	return resp.StatusCode, errs
}

// TestTokenCreate: `token create` prints only a token that signs the account in; without --login
// it is a usage error.
func TestTokenCreate(t *testing.T) {
	h := startHub(t)
	tok := strings.TrimSuffix(h.cli(t, "token", "create", "--login", "op1"), "\n")
	a, err := h.m.svc.Authenticate(context.Background(), tok)
	if err != nil || a.Login != "op1" {
		t.Fatalf("the printed token %q signs in %v, %v; want op1", tok, a, err)
	}
	var ue usageError
	if err := run(context.Background(), []string{"token", "create"}, io.Discard, io.Discard); !errors.As(err, &ue) {
		t.Errorf("token create without --login: %v, want a usage error", err)
	}
}
