package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestFixMyStreetClientSendsAPhoto: a report with a photo, sent by Perl's LWP exactly as
// FixMyStreet's Open311 client sends it with its upload options on (testdata/fixmystreet_client.pl:
// a multipart form, the photo as photo1), is filed with the photo; its media_url serves the copy
// stripped of EXIF. Perl with libwww-perl and libxml-simple-perl is a test dependency (.ci/run
// installs them).
func TestFixMyStreetClientSendsAPhoto(t *testing.T) {
	h := startHub(t)
	key, err := h.m.svc.CreateAPIKey(context.Background(), "fixmystreet")
	if err != nil {
		t.Fatal(err)
	}
	photo, err := os.ReadFile("../../media/testdata/gps.jpg")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("perl", "testdata/fixmystreet_client.pl", h.base+"/open311/v2/", key, "qijiang",
		"0501", "28.99", "106.64", "../../media/testdata/gps.jpg").CombinedOutput()
	if err != nil {
		t.Fatalf("the FixMyStreet client failed (perl, libwww-perl and libxml-simple-perl are needed: .ci/run installs them): %v\n%s", err, out)
	}
	id := strings.TrimSpace(string(out))
	c, err := h.m.store.CaseByNumber(context.Background(), id)
	if err != nil || len(c.Media) != 1 || c.Text != "桥头人行道上有人推车卖水果，堵住了路" || c.Reporter.Name != "李明" {
		t.Fatalf("case %s: media %v text %q reporter %+v (%v)", id, c.Media, c.Text, c.Reporter, err)
	}
	var list []struct {
		MediaURL string `json:"media_url"`
	}
	h.do("GET", "/open311/v2/requests/"+id+".json", "", nil, 200, &list)
	if len(list) != 1 || !strings.HasSuffix(list[0].MediaURL, "/open311/v2/media/"+c.Media[0]+".jpg") {
		t.Fatalf("media_url %+v", list)
	}
	res, err := http.Get(list[0].MediaURL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	served, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/jpeg" || len(served) < 1000 {
		t.Fatalf("GET media_url: %d %s, %d bytes", res.StatusCode, res.Header.Get("Content-Type"), len(served))
	}
	if bytes.Contains(served, []byte("Exif")) || bytes.Contains(served, []byte("13800138000")) || !bytes.Contains(photo, []byte("Exif")) {
		t.Fatal("the served photo still carries the EXIF of the upload")
	}
}
