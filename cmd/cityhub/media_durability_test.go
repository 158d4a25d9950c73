package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/dispatcher"
	"cityhub/sqlite"
)

// TestAcceptedUploadSurvivesKill9 uploads photos from several clients to a real cityhub process,
// kills it with SIGKILL while uploads are in flight, and checks that every upload answered 201 is
// whole afterwards: its record, and each of its copies with the original's bytes matching its hash.
// (The 201 comes after the files' fsync and rename and the record's commit: sqlite/media.go.)
func TestAcceptedUploadSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	proc := startProcess(t, bin, dir, addr)
	token := loginTo(t, addr, "op1", "durable")

	var seed atomic.Int64
	accepted := killWhileSending(t, proc, 3, 40, func(stop <-chan struct{}, ok func(string)) {
		uploadUntilStopped(addr, token, stop, &seed, ok)
	})

	store, err := sqlite.Open(filepath.Join(dir, "cityhub.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ms, err := sqlite.NewMediaStore(store, filepath.Join(dir, "media"))
	if err != nil {
		t.Fatal(err)
	}
	for _, sha := range accepted {
		checkWhole(t, ms, sha)
	}
	t.Logf("%d uploads answered 201 before SIGKILL (of %d sent); all whole", len(accepted), seed.Load())
}

// checkWhole fails unless the upload's record and its three copies are stored, the original
// with the bytes its hash names.
func checkWhole(t *testing.T, ms dispatcher.MediaStore, sha string) {
	t.Helper()
	ctx := context.Background()
	if _, err := ms.Media(ctx, sha); err != nil {
		t.Errorf("upload %s… was answered 201 but has no record: %v", sha[:12], err)
		return
	}
	for _, v := range []dispatcher.MediaVariant{dispatcher.MediaOriginal, dispatcher.MediaPublic, dispatcher.MediaThumbnail} {
		f, err := ms.OpenMedia(ctx, sha, v)
		if err != nil {
			t.Errorf("upload %s…: its %s copy is missing: %v", sha[:12], v, err)
			continue
		}
		data, err := io.ReadAll(f)
		f.Close()
		if err != nil || len(data) == 0 || (v == dispatcher.MediaOriginal && hashOf(data) != sha) {
			t.Errorf("upload %s…: its %s copy is damaged (%d bytes, %v)", sha[:12], v, len(data), err)
		}
	}
}

func loginTo(t *testing.T, addr, login, password string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"login": login, "password": password})
	resp, err := http.Post("http://"+addr+"/api/v1/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Token == "" {
		t.Fatalf("login %s: %d, %v", login, resp.StatusCode, err)
	}
	return out.Token
}

// uploadUntilStopped uploads a new picture at a time and reports each hash answered 201.
func uploadUntilStopped(addr, token string, stop <-chan struct{}, seed *atomic.Int64, accepted func(string)) {
	client := &http.Client{Timeout: 5 * time.Second}
	for {
		select {
		case <-stop:
			return
		default:
		}
		data := picture(nil, int(seed.Add(1)))
		ct, body := multipartBody("file", data)
		req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/media", bytes.NewReader(body))
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			continue // the process is gone; keep trying until told to stop
		}
		var out uploaded
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if resp.StatusCode == http.StatusCreated && err == nil && out.Media.SHA256 == hashOf(data) {
			accepted(out.Media.SHA256)
		}
	}
}
