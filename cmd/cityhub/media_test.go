package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"cityhub/dispatcher"
	"cityhub/media"
)

// photo is the JPEG fixture with EXIF GPS, orientation and personal data (media/testdata).
func photo(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile("../../media/testdata/gps.jpg")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// picture is a small PNG of its own for each seed, so that each has another hash.
func picture(_ testing.TB, seed int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 40, 30))
	for i := range img.Pix {
		img.Pix[i] = uint8(seed*7 + i + seed>>8)
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img) // to memory: cannot fail
	return buf.Bytes()
}

func hashOf(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// multipartBody is a form with one file part in field.
func multipartBody(field string, data []byte) (string, []byte) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	part, _ := mw.CreateFormFile(field, "photo.bin")
	part.Write(data)
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

// upload posts data as the file of an upload and checks the status; it returns the body.
func (h *hub) upload(token string, data []byte, want int, out any) []byte {
	h.t.Helper()
	ct, body := multipartBody("file", data)
	return h.raw("POST", "/api/v1/media", token, ct, body, want, out)
}

// raw sends a request with a body of the given type and checks the status.
func (h *hub) raw(method, path, token, contentType string, body []byte, want int, out any) []byte {
	h.t.Helper()
	req, _ := http.NewRequest(method, h.base+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		h.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			h.t.Fatalf("decode %s: %v", raw, err)
		}
	}
	return raw
}

// fetch GETs a path with extra headers and returns the answer with its body read.
func (h *hub) fetch(path, token string, headers ...string) (*http.Response, []byte) {
	h.t.Helper()
	req, _ := http.NewRequest("GET", h.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

type uploaded struct{ Media dispatcher.Media }

// TestMediaUploadAndServe: an upload's record, its original for its uploader with the headers
// that keep a browser from running it, conditional and range requests, the thumbnail; nobody
// else gets it before it is attached.
func TestMediaUploadAndServe(t *testing.T) {
	h := startHub(t)
	op, disp, gn := h.login("op1"), h.login("disp1"), h.login("gn-lead")
	data := photo(t)
	var up uploaded
	h.upload(op, data, 201, &up)
	m := up.Media
	if m.SHA256 != hashOf(data) || m.Type != "image/jpeg" || m.Size != int64(len(data)) || m.Width != 320 || m.Height != 640 {
		t.Fatalf("record %+v", m)
	}
	if m.GPS == nil || m.GPS.Lat < 28.9499 || m.GPS.Lat > 28.9501 || m.GPS.Lng < 106.5999 || m.GPS.Lng > 106.6001 {
		t.Errorf("gps %+v, want 28.95, 106.6", m.GPS)
	}
	var again uploaded
	h.upload(op, data, 201, &again)
	if again.Media.SHA256 != m.SHA256 || !again.Media.CreatedAt.Equal(m.CreatedAt) {
		t.Errorf("a second upload of the same bytes made another record: %+v", again.Media)
	}

	resp, body := h.fetch("/api/v1/media/"+m.SHA256, op)
	if resp.StatusCode != 200 || !bytes.Equal(body, data) {
		t.Fatalf("the uploader gets %d, %d bytes; want the original", resp.StatusCode, len(body))
	}
	for k, want := range map[string]string{"Content-Type": "image/jpeg", "X-Content-Type-Options": "nosniff",
		"Content-Security-Policy": "sandbox", "ETag": `"` + m.SHA256 + `"`} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "private") || !strings.Contains(cc, "max-age=31536000") {
		t.Errorf("Cache-Control %q", cc)
	}
	if resp, _ := h.fetch("/api/v1/media/"+m.SHA256, op, "If-None-Match", `"`+m.SHA256+`"`); resp.StatusCode != 304 {
		t.Errorf("If-None-Match: status %d, want 304", resp.StatusCode)
	}
	if resp, body := h.fetch("/api/v1/media/"+m.SHA256, op, "Range", "bytes=0-9"); resp.StatusCode != 206 || !bytes.Equal(body, data[:10]) {
		t.Errorf("Range: status %d, %d bytes", resp.StatusCode, len(body))
	}
	resp, thumb := h.fetch("/api/v1/media/"+m.SHA256+"/thumbnail", op)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("thumbnail: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if cfg, err := jpeg.DecodeConfig(bytes.NewReader(thumb)); err != nil || cfg.Width != 160 || cfg.Height != 320 {
		t.Errorf("thumbnail %+v, %v; want a 160 x 320 JPEG", cfg, err)
	}
	if bytes.Contains(thumb, []byte("Exif\x00\x00")) || bytes.Contains(thumb, []byte("13800138000")) {
		t.Error("the thumbnail carries EXIF")
	}
	// Before it is attached, only its uploader may see it: another of the centre or a team gets
	// the answer of a file that does not exist.
	missing := notFoundBody(t, h, gn, strings.Repeat("0", 64))
	for who, token := range map[string]string{"disp1": disp, "gn-lead": gn} {
		if got := notFoundBody(t, h, token, m.SHA256); got != missing {
			t.Errorf("%s before attachment: %s, want %s", who, got, missing)
		}
	}
}

// notFoundBody GETs a file and its thumbnail, expects 404 for both and returns the body.
func notFoundBody(t *testing.T, h *hub, token, sha string) string {
	t.Helper()
	resp, body := h.fetch("/api/v1/media/"+sha, token)
	if resp.StatusCode != 404 {
		t.Fatalf("GET %s…: status %d, want 404", sha[:8], resp.StatusCode)
	}
	if resp, _ := h.fetch("/api/v1/media/"+sha+"/thumbnail", token); resp.StatusCode != 404 {
		t.Fatalf("GET %s…/thumbnail: status %d, want 404", sha[:8], resp.StatusCode)
	}
	return string(body)
}

// TestMediaAttachAndVisibility: a report's photo and an action's reach the events (and the audit
// still verifies), the centre gets originals, 古南's team the stripped copy, 三江's team nothing,
// and nobody attaches a file they may not see.
func TestMediaAttachAndVisibility(t *testing.T) {
	h := startHub(t)
	op, gn, sj := h.login("op1"), h.login("gn-lead"), h.login("sj-lead")
	data := photo(t)
	var up uploaded
	h.upload(op, data, 201, &up)
	sha := up.Media.SHA256

	var created struct{ Case dispatcher.Case }
	h.do("POST", "/api/v1/complaints", op, map[string]any{"category": "0501", "lat": 28.95, "lng": 106.60,
		"text": "占道经营，见照片", "media": []string{sha, "https://img.example.cn/a.jpg"}}, 201, &created)
	c := created.Case
	if c.Unit != "QJ-GN-DD" || !slices.Equal(c.Media, []string{sha, "https://img.example.cn/a.jpg"}) {
		t.Fatalf("case unit %s media %v", c.Unit, c.Media)
	}
	if got := eventMedia(t, h, op, c.Number, "case.received"); !slices.Equal(got, []string{sha, "https://img.example.cn/a.jpg"}) {
		t.Errorf("the received event's media: %v", got)
	}

	// 古南's team gets the stripped copy: upright, without EXIF, XMP, comment or the artist's phone.
	resp, body := h.fetch("/api/v1/media/"+sha, gn)
	if resp.StatusCode != 200 || bytes.Equal(body, data) {
		t.Fatalf("古南 gets %d and the original: %v", resp.StatusCode, bytes.Equal(body, data))
	}
	for _, secret := range []string{"Exif\x00\x00", "http://ns.adobe.com/xap/1.0/", "secret comment", "13800138000"} {
		if bytes.Contains(body, []byte(secret)) {
			t.Errorf("古南's copy carries %q", secret)
		}
	}
	if cfg, err := jpeg.DecodeConfig(bytes.NewReader(body)); err != nil || cfg.Width != 320 || cfg.Height != 640 {
		t.Errorf("古南's copy: %+v, %v; want an upright 320 x 640 JPEG", cfg, err)
	}
	if etag := resp.Header.Get("ETag"); etag == `"`+sha+`"` {
		t.Error("the stripped copy has the original's ETag")
	}
	if resp, _ := h.fetch("/api/v1/media/"+sha+"/thumbnail", gn); resp.StatusCode != 200 {
		t.Errorf("古南's thumbnail: %d", resp.StatusCode)
	}
	// 三江's team: the 404 of a file that does not exist, and it cannot attach it either.
	missing := notFoundBody(t, h, sj, strings.Repeat("0", 64))
	if got := notFoundBody(t, h, sj, sha); got != missing {
		t.Errorf("三江 gets %s, want %s", got, missing)
	}
	var sjCase struct{ Case dispatcher.Case }
	h.do("POST", "/api/v1/complaints", op, map[string]any{"category": "0501", "lat": 28.94, "lng": 106.67}, 201, &sjCase)
	var p problemBody
	h.do("POST", "/api/v1/cases/"+sjCase.Case.Number+"/actions", sj, map[string]any{"action": "note", "text": "同一处",
		"media": []string{sha}}, 400, &p)
	if p.Field != "media" || !strings.Contains(p.Detail, sha) {
		t.Errorf("三江 attaching 古南's photo: %+v", p)
	}

	// 古南's team attaches a photo of its own to the case; the centre then gets it whole.
	pic := picture(t, 1)
	var mine uploaded
	h.upload(gn, pic, 201, &mine)
	h.do("POST", "/api/v1/cases/"+c.Number+"/actions", gn, map[string]any{"action": "acknowledge"}, 200, nil)
	var acted struct{ Case dispatcher.Case }
	h.do("POST", "/api/v1/cases/"+c.Number+"/actions", gn, map[string]any{"action": "note", "text": "到场",
		"media": []string{mine.Media.SHA256}}, 200, &acted)
	if !slices.Contains(acted.Case.Media, mine.Media.SHA256) || !slices.Contains(acted.Case.Media, sha) {
		t.Errorf("case media after the note: %v", acted.Case.Media)
	}
	if got := eventMedia(t, h, op, c.Number, "case.noted"); !slices.Equal(got, []string{mine.Media.SHA256}) {
		t.Errorf("the note's media: %v", got)
	}
	if resp, body := h.fetch("/api/v1/media/"+mine.Media.SHA256, op); resp.StatusCode != 200 || !bytes.Equal(body, pic) {
		t.Errorf("the centre gets %d, original %v", resp.StatusCode, bytes.Equal(body, pic))
	}
	if got := notFoundBody(t, h, sj, mine.Media.SHA256); got != missing {
		t.Errorf("三江 gets 古南's note photo: %s", got)
	}

	// The hashes are in the hash chain: the audit of the district still passes.
	cfg := h.m.Config
	h.m.Close()
	args := []string{"audit", "verify", "--data", cfg.DataDir}
	if cfg.DB != "" {
		args = []string{"audit", "verify", "--db", cfg.DB}
	}
	var out bytes.Buffer
	if err := run(context.Background(), args, &out, &out); err != nil {
		t.Fatalf("audit verify: %v\n%s", err, out.String())
	}
}

type problemBody struct {
	Status int
	Code   string
	Field  string
	Detail string
}

// eventMedia is the media of a case's last event of a type, as the events API shows it.
func eventMedia(t *testing.T, h *hub, token, number, typ string) []string {
	t.Helper()
	var evs []struct {
		Type string
		Data struct{ Media []string }
	}
	h.do("GET", "/api/v1/cases/"+number+"/events", token, nil, 200, &evs)
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Type == typ {
			return evs[i].Data.Media
		}
	}
	t.Fatalf("case %s has no %s event", number, typ)
	return nil
}

// TestMediaRefusals: the type comes from the content (415), the size is bounded by it (413),
// a hash nobody uploaded is refused where it is named (400), and nothing is stored.
func TestMediaRefusals(t *testing.T) {
	h := startHubWith(t, func(c *Config) { c.MediaLimits = media.Limits{Image: 4 << 10, Video: 1 << 20} })
	op := h.login("op1")
	for name, tc := range map[string]struct {
		contentType string
		body        []byte
		status      int
		code, field string
	}{
		"html as a photo": {"", []byte("<html><script>alert(1)</script></html>"), 415, "unsupported", "file"},
		"svg":             {"", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`), 415, "unsupported", "file"},
		"too large":       {"", photo(t), 413, "too_large", "file"},
		"empty":           {"", nil, 400, "invalid", "file"},
		"json":            {"application/json", []byte(`{"file": "x"}`), 415, "unsupported", "Content-Type"},
		"other field":     {"field:photo", picture(t, 2), 400, "invalid", "photo"},
	} {
		ct, body := multipartBody("file", tc.body)
		switch {
		case strings.HasPrefix(tc.contentType, "field:"):
			ct, body = multipartBody(strings.TrimPrefix(tc.contentType, "field:"), tc.body)
		case tc.contentType != "":
			ct, body = tc.contentType, tc.body
		}
		var p problemBody
		h.raw("POST", "/api/v1/media", op, ct, body, tc.status, &p)
		if p.Code != tc.code || p.Field != tc.field || p.Detail == "" {
			t.Errorf("%s: %+v, want code %s field %s", name, p, tc.code, tc.field)
		}
	}
	var p problemBody
	h.upload(op, photo(t), 413, &p)
	if !strings.Contains(p.Detail, "4 KB") {
		t.Errorf("the size refusal does not say the limit: %s", p.Detail)
	}
	h.upload("", picture(t, 3), 401, nil)

	unknown := hashOf([]byte("never uploaded"))
	h.do("POST", "/api/v1/complaints", op, map[string]any{"category": "0501", "lat": 28.95, "lng": 106.60,
		"media": []string{unknown}}, 400, &p)
	if p.Field != "media" || !strings.Contains(p.Detail, unknown) {
		t.Errorf("unknown hash in a report: %+v", p)
	}
	if n := h.caseCount(); n != 0 {
		t.Errorf("%d cases stored after refusals", n)
	}
	var created struct{ Case dispatcher.Case }
	h.do("POST", "/api/v1/complaints", op, map[string]any{"category": "0501", "lat": 28.95, "lng": 106.60}, 201, &created)
	for name, entry := range map[string]string{"a link": "https://img.example.cn/a.jpg", "upper case": strings.ToUpper(unknown),
		"unknown": unknown} {
		h.do("POST", "/api/v1/cases/"+created.Case.Number+"/actions", op, map[string]any{"action": "urge",
			"media": []string{entry}}, 400, &p)
		if p.Field != "media" {
			t.Errorf("%s in an action's media: %+v", name, p)
		}
	}
}

// TestMediaVideoThumbnail: a video is served as uploaded, and its thumbnail is a placeholder image.
func TestMediaVideoThumbnail(t *testing.T) {
	h := startHub(t)
	op := h.login("op1")
	clip := append([]byte{0, 0, 0, 0x18}, []byte("ftypmp42\x00\x00\x00\x00mp42isom"+strings.Repeat("\x00", 600))...)
	var up uploaded
	h.upload(op, clip, 201, &up)
	if up.Media.Type != "video/mp4" || up.Media.GPS != nil {
		t.Fatalf("record %+v", up.Media)
	}
	resp, body := h.fetch("/api/v1/media/"+up.Media.SHA256, op)
	if resp.StatusCode != 200 || !bytes.Equal(body, clip) || resp.Header.Get("Content-Type") != "video/mp4" {
		t.Errorf("video: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	resp, body = h.fetch("/api/v1/media/"+up.Media.SHA256+"/thumbnail", op)
	if _, err := jpeg.Decode(bytes.NewReader(body)); resp.StatusCode != 200 || err != nil {
		t.Errorf("video thumbnail: %d, %v", resp.StatusCode, err)
	}
}
