package media

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"strings"
	"testing"

	"cityhub/dispatcher"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestSniffDecidesByContent: the type comes from the bytes; anything else is EUnsupported.
func TestSniffDecidesByContent(t *testing.T) {
	mp4 := append([]byte{0, 0, 0, 0x18}, []byte("ftypmp42\x00\x00\x00\x00mp42isom")...)
	webm := []byte("\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04webm")
	for name, tc := range map[string]struct {
		head []byte
		want string
	}{
		"jpeg": {fixture(t, "gps.jpg"), JPEG}, "png": {pngOf(t, 4, 4), PNG}, "webp": {fixture(t, "green.webp"), WebP},
		"mp4": {mp4, MP4}, "webm": {webm, WebM},
		"html": {[]byte("<!DOCTYPE html><script>alert(1)</script>"), ""},
		"gif":  {[]byte("GIF89a\x01\x00\x01\x00"), ""}, "pdf": {[]byte("%PDF-1.7\n"), ""},
		"svg":  {[]byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`), ""},
		"text": {[]byte("just words"), ""},
	} {
		got, err := Sniff(tc.head)
		if tc.want == "" {
			if dispatcher.ErrorCode(err) != dispatcher.EUnsupported || dispatcher.ErrorField(err) != "file" {
				t.Errorf("%s: got %q, %v; want an unsupported error about file", name, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: got %q, %v; want %s", name, got, err, tc.want)
		}
	}
}

// TestJPEGWithGPS: the position is read; the stripped copy and the thumbnail carry no metadata at
// all and are upright.
func TestJPEGWithGPS(t *testing.T) {
	data := fixture(t, "gps.jpg")
	up, err := Process(data, JPEG)
	if err != nil {
		t.Fatal(err)
	}
	m := up.Media
	if m.GPS == nil || math.Abs(m.GPS.Lat-28.95) > 1e-6 || math.Abs(m.GPS.Lng-106.6) > 1e-6 {
		t.Fatalf("GPS %+v, want 28.95, 106.6", m.GPS)
	}
	if m.Width != 320 || m.Height != 640 || m.Type != JPEG || m.PublicType != JPEG || m.Size != int64(len(data)) {
		t.Errorf("record %+v: want upright 320 x 640, image/jpeg, %d bytes", m, len(data))
	}
	if !bytes.Equal(up.Content.Original, data) {
		t.Error("the original was changed")
	}
	// The original does carry what the copies must not.
	for _, secret := range secrets {
		if !bytes.Contains(data, []byte(secret)) {
			t.Fatalf("the fixture lacks %q: the test would prove nothing", secret)
		}
	}
	for name, copy := range map[string][]byte{"stripped": up.Content.Public, "thumbnail": up.Content.Thumbnail} {
		noMetadata(t, name, copy, JPEG)
		img := decodeJPEG(t, name, copy)
		b := img.Bounds()
		if b.Dx() >= b.Dy() {
			t.Errorf("%s is %dx%d: not turned upright", name, b.Dx(), b.Dy())
		}
		top, bottom := img.At(b.Dx()/2, b.Dy()/8), img.At(b.Dx()/2, b.Dy()*7/8)
		if !reddish(top) || reddish(bottom) {
			t.Errorf("%s: top %v, bottom %v; want red on top (the quarter turn clockwise)", name, top, bottom)
		}
	}
	if b := decodeJPEG(t, "thumbnail", up.Content.Thumbnail).Bounds(); b.Dx() != 160 || b.Dy() != 320 {
		t.Errorf("thumbnail %dx%d, want 160x320", b.Dx(), b.Dy())
	}
}

// secrets are in the fixtures' metadata (testdata/README.md).
var secrets = []string{"secret comment", "secret creator", "13800138000", "Exif\x00\x00", "http://ns.adobe.com/xap/1.0/"}

// noMetadata fails unless data has none of the secrets and no position or orientation is read.
func noMetadata(t *testing.T, name string, data []byte, typ string) {
	t.Helper()
	for _, secret := range secrets {
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("%s still carries %q", name, secret)
		}
	}
	if m := readMeta(data, typ); m.gps != nil || m.orientation != 0 {
		t.Errorf("%s: metadata read back: %+v", name, m)
	}
}

func decodeJPEG(t *testing.T, name string, data []byte) image.Image {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s is not a JPEG: %v", name, err)
	}
	return img
}

func reddish(c color.Color) bool {
	r, _, b, _ := c.RGBA()
	return r > 2*b
}

// TestWebP: decoded, position read, served stripped as a JPEG.
func TestWebP(t *testing.T) {
	up, err := Process(fixture(t, "green.webp"), WebP)
	if err != nil {
		t.Fatal(err)
	}
	if g := up.Media.GPS; g == nil || math.Abs(g.Lat-28.94) > 1e-6 || math.Abs(g.Lng-106.67) > 1e-6 {
		t.Errorf("GPS %+v, want 28.94, 106.67", g)
	}
	if up.Media.Width != 48 || up.Media.Height != 24 || up.Media.PublicType != JPEG {
		t.Errorf("record %+v", up.Media)
	}
	noMetadata(t, "stripped", up.Content.Public, JPEG)
	decodeJPEG(t, "stripped", up.Content.Public)
	decodeJPEG(t, "thumbnail", up.Content.Thumbnail)
}

// TestPNGStaysPNG: a PNG's stripped copy is a PNG without its text chunks.
func TestPNGStaysPNG(t *testing.T) {
	data := pngOf(t, 400, 100)
	data = insertChunk(data, "tEXt", []byte("Comment\x00secret comment"))
	up, err := Process(data, PNG)
	if err != nil {
		t.Fatal(err)
	}
	if up.Media.PublicType != PNG || up.Media.GPS != nil || up.Media.Width != 400 {
		t.Errorf("record %+v", up.Media)
	}
	if bytes.Contains(up.Content.Public, []byte("secret comment")) {
		t.Error("the stripped PNG kept its text chunk")
	}
	if _, err := png.Decode(bytes.NewReader(up.Content.Public)); err != nil {
		t.Errorf("stripped copy: %v", err)
	}
	if b := decodeJPEG(t, "thumbnail", up.Content.Thumbnail).Bounds(); b.Dx() != 320 || b.Dy() != 80 {
		t.Errorf("thumbnail %dx%d, want 320x80", b.Dx(), b.Dy())
	}
}

// insertChunk puts a chunk right after a PNG's IHDR.
func insertChunk(data []byte, typ string, body []byte) []byte {
	const afterIHDR = 8 + 4 + 4 + 13 + 4
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	chunk = append(append(chunk, typ...), body...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
	return append(append(append([]byte{}, data[:afterIHDR]...), chunk...), data[afterIHDR:]...)
}

// TestPixelBomb: a small PNG that claims 20000 x 20000 pixels is refused before it is decoded.
func TestPixelBomb(t *testing.T) {
	data := pngOf(t, 1, 1)
	binary.BigEndian.PutUint32(data[16:], 20000)
	binary.BigEndian.PutUint32(data[20:], 20000)
	binary.BigEndian.PutUint32(data[29:], crc32.ChecksumIEEE(data[12:29]))
	_, err := Process(data, PNG)
	if dispatcher.ErrorCode(err) != dispatcher.ETooLarge {
		t.Fatalf("got %v, want too_large", err)
	}
}

// TestDamagedImage: a JPEG's magic followed by rubbish is refused, naming the file.
func TestDamagedImage(t *testing.T) {
	_, err := Process([]byte("\xff\xd8\xff\xe0rubbish that is no JPEG at all"), JPEG)
	if dispatcher.ErrorCode(err) != dispatcher.EInvalid || dispatcher.ErrorField(err) != "file" {
		t.Fatalf("got %v, want an invalid-file error", err)
	}
}

// TestVideoKeptAsUploaded: no copies, no dimensions.
func TestVideoKeptAsUploaded(t *testing.T) {
	data := append([]byte{0, 0, 0, 0x18}, []byte("ftypmp42\x00\x00\x00\x00mp42isom and the rest")...)
	up, err := Process(data, MP4)
	if err != nil {
		t.Fatal(err)
	}
	if up.Content.Public != nil || up.Content.Thumbnail != nil || up.Media.PublicType != "" || up.Media.Width != 0 {
		t.Errorf("video processed: %+v", up.Media)
	}
	if !dispatcher.IsMediaHash(up.Media.SHA256) {
		t.Errorf("hash %q", up.Media.SHA256)
	}
}

// TestOrientations: each EXIF orientation turns a 3 x 2 picture as the standard draws it.
func TestOrientations(t *testing.T) {
	// Stored:  a b c      Each letter is a pixel whose red value is its index.
	//          d e f
	src := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for i := 0; i < 6; i++ {
		src.Pix[i*4], src.Pix[i*4+3] = uint8(i), 255
	}
	want := map[int][]string{
		1: {"abc", "def"}, 2: {"cba", "fed"}, 3: {"fed", "cba"}, 4: {"def", "abc"},
		5: {"ad", "be", "cf"}, 6: {"da", "eb", "fc"}, 7: {"fc", "eb", "da"}, 8: {"cf", "be", "ad"},
	}
	for o, rows := range want {
		got := orient(src, o)
		var lines []string
		for y := 0; y < got.Rect.Dy(); y++ {
			var line []byte
			for x := 0; x < got.Rect.Dx(); x++ {
				line = append(line, 'a'+got.Pix[y*got.Stride+x*4])
			}
			lines = append(lines, string(line))
		}
		if strings.Join(lines, "/") != strings.Join(rows, "/") {
			t.Errorf("orientation %d: got %v, want %v", o, lines, rows)
		}
	}
}

func TestPlaceholderIsAJPEG(t *testing.T) {
	if b := decodeJPEG(t, "placeholder", Placeholder()).Bounds(); b.Dx() != ThumbSide || b.Dy() != 180 {
		t.Errorf("placeholder %dx%d", b.Dx(), b.Dy())
	}
}
