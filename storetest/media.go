package storetest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"slices"
	"testing"
	"time"

	"cityhub/dispatcher"
)

// OpenMedia returns a new, empty store and the media store that keeps its attachments (the same
// value for PostgreSQL, files beside the database for SQLite), closed when the test ends.
type OpenMedia func(t *testing.T) (dispatcher.Store, dispatcher.MediaStore)

// RunMedia is the conformance suite of dispatcher.MediaStore, and of the index from files to the
// cases that carry them, which the Store's case writes keep.
func RunMedia(t *testing.T, open OpenMedia) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s dispatcher.Store, m dispatcher.MediaStore)
	}{
		{"RoundTrip", testMediaRoundTrip},
		{"Video", testMediaVideo},
		{"NotFound", testMediaNotFound},
		{"SecondUpload", testMediaSecondUpload},
		{"CaseIndex", testMediaCaseIndex},
		{"CaseIndexRefusedWrite", testMediaCaseIndexRefusedWrite},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, m := open(t)
			tc.fn(t, s, m)
		})
	}
}

// upload is a record and content as the hub makes them, for made-up bytes.
func upload(seed string, video bool) (*dispatcher.Media, dispatcher.MediaContent) {
	orig := []byte("original bytes of " + seed)
	sum := sha256.Sum256(orig)
	rec := &dispatcher.Media{SHA256: hex.EncodeToString(sum[:]), Type: "image/jpeg", PublicType: "image/jpeg",
		Size: int64(len(orig)), Width: 4032, Height: 3024, GPS: &dispatcher.Point{Lat: 28.950123, Lng: 106.600456},
		CreatedAt: base.Add(123 * time.Microsecond)}
	content := dispatcher.MediaContent{Original: orig, Public: []byte("stripped " + seed), Thumbnail: []byte("thumb " + seed)}
	if video {
		rec.Type, rec.PublicType, rec.Width, rec.Height, rec.GPS = "video/mp4", "", 0, 0, nil
		content.Public, content.Thumbnail = nil, nil
	}
	return rec, content
}

// readCopy reads one copy whole, twice (seeking back between), as http.ServeContent may.
func readCopy(t *testing.T, m dispatcher.MediaStore, sha string, v dispatcher.MediaVariant) []byte {
	t.Helper()
	f, err := m.OpenMedia(t.Context(), sha, v)
	must(t, err, "OpenMedia "+string(v))
	defer f.Close()
	first, err := io.ReadAll(f)
	must(t, err, "read "+string(v))
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatalf("seek %s: %v", v, err)
	}
	again, err := io.ReadAll(f)
	must(t, err, "read again "+string(v))
	if !bytes.Equal(first, again) {
		t.Errorf("%s reads differently after a seek", v)
	}
	return first
}

func testMediaRoundTrip(t *testing.T, _ dispatcher.Store, m dispatcher.MediaStore) {
	rec, content := upload("photo", false)
	must(t, m.PutMedia(t.Context(), rec, content, "gn-lead"), "PutMedia")
	got, err := m.Media(t.Context(), rec.SHA256)
	must(t, err, "Media")
	sameJSON(t, "record", got, rec)
	if got.PublicType != rec.PublicType {
		t.Errorf("public type %q, want %q", got.PublicType, rec.PublicType)
	}
	for v, want := range map[dispatcher.MediaVariant][]byte{dispatcher.MediaOriginal: content.Original,
		dispatcher.MediaPublic: content.Public, dispatcher.MediaThumbnail: content.Thumbnail} {
		if got := readCopy(t, m, rec.SHA256, v); !bytes.Equal(got, want) {
			t.Errorf("%s copy: got %q, want %q", v, got, want)
		}
	}
	mine, err := m.MediaUploadedBy(t.Context(), rec.SHA256, "gn-lead")
	must(t, err, "MediaUploadedBy")
	other, err := m.MediaUploadedBy(t.Context(), rec.SHA256, "sj-lead")
	must(t, err, "MediaUploadedBy")
	if !mine || other {
		t.Errorf("uploaded by gn-lead: %v, by sj-lead: %v", mine, other)
	}
}

// testMediaVideo: a video keeps only its original; its record has no position.
func testMediaVideo(t *testing.T, _ dispatcher.Store, m dispatcher.MediaStore) {
	rec, content := upload("clip", true)
	must(t, m.PutMedia(t.Context(), rec, content, "gn-lead"), "PutMedia")
	got, err := m.Media(t.Context(), rec.SHA256)
	must(t, err, "Media")
	sameJSON(t, "record", got, rec)
	if !bytes.Equal(readCopy(t, m, rec.SHA256, dispatcher.MediaOriginal), content.Original) {
		t.Error("the original differs")
	}
	for _, v := range []dispatcher.MediaVariant{dispatcher.MediaPublic, dispatcher.MediaThumbnail} {
		_, err := m.OpenMedia(t.Context(), rec.SHA256, v)
		wantCode(t, err, dispatcher.ENotFound, "OpenMedia "+string(v)+" of a video")
	}
}

func testMediaNotFound(t *testing.T, _ dispatcher.Store, m dispatcher.MediaStore) {
	rec, _ := upload("never stored", false)
	_, err := m.Media(t.Context(), rec.SHA256)
	wantCode(t, err, dispatcher.ENotFound, "Media of an unknown hash")
	_, err = m.OpenMedia(t.Context(), rec.SHA256, dispatcher.MediaOriginal)
	wantCode(t, err, dispatcher.ENotFound, "OpenMedia of an unknown hash")
	ids, err := m.MediaCases(t.Context(), rec.SHA256, 10)
	must(t, err, "MediaCases")
	if len(ids) != 0 {
		t.Errorf("MediaCases of an unknown hash: %v", ids)
	}
}

// testMediaSecondUpload: the same bytes again keep the first record and copies, and count the
// second uploader as one.
func testMediaSecondUpload(t *testing.T, _ dispatcher.Store, m dispatcher.MediaStore) {
	rec, content := upload("twice", false)
	must(t, m.PutMedia(t.Context(), rec, content, "gn-lead"), "PutMedia")
	again := *rec
	again.CreatedAt, again.Width = base.Add(time.Hour), 1
	must(t, m.PutMedia(t.Context(), &again, dispatcher.MediaContent{Original: content.Original,
		Public: []byte("other"), Thumbnail: []byte("other")}, "op1"), "PutMedia again")
	got, err := m.Media(t.Context(), rec.SHA256)
	must(t, err, "Media")
	sameJSON(t, "record after a second upload", got, rec)
	if !bytes.Equal(readCopy(t, m, rec.SHA256, dispatcher.MediaPublic), content.Public) {
		t.Error("a second upload replaced the stripped copy")
	}
	for _, login := range []string{"gn-lead", "op1"} {
		ok, err := m.MediaUploadedBy(t.Context(), rec.SHA256, login)
		must(t, err, "MediaUploadedBy")
		if !ok {
			t.Errorf("%s is not an uploader", login)
		}
	}
}

// testMediaCaseIndex: creating and updating a case index the hashes its Media carries (not its
// links), so that MediaCases finds the case.
func testMediaCaseIndex(t *testing.T, s dispatcher.Store, m dispatcher.MediaStore) {
	a, _ := upload("a", false)
	b, _ := upload("b", false)
	c1, c2 := newCase(0), newCase(1)
	c1.Media = []string{a.SHA256, "https://img.example.cn/a.jpg"}
	create(t, s, c1, 1)
	create(t, s, c2, 1)
	update(t, s, c2, 1, func(c *dispatcher.Case) { c.Media = append(c.Media, a.SHA256, b.SHA256) })
	update(t, s, c2, 1, func(c *dispatcher.Case) { c.State = dispatcher.Resolved })
	for sha, want := range map[string][]int64{a.SHA256: {c1.ID, c2.ID}, b.SHA256: {c2.ID}} {
		got, err := m.MediaCases(t.Context(), sha, 10)
		must(t, err, "MediaCases")
		if !slices.Equal(got, want) {
			t.Errorf("MediaCases(%s…) = %v, want %v", sha[:8], got, want)
		}
	}
	got, err := m.MediaCases(t.Context(), a.SHA256, 1)
	must(t, err, "MediaCases limited")
	if !slices.Equal(got, []int64{c1.ID}) {
		t.Errorf("MediaCases with limit 1 = %v, want [%d]", got, c1.ID)
	}
}

// testMediaCaseIndexRefusedWrite: an update refused for its version adds no index row.
func testMediaCaseIndexRefusedWrite(t *testing.T, s dispatcher.Store, m dispatcher.MediaStore) {
	a, _ := upload("refused", false)
	c := newCase(0)
	create(t, s, c, 1)
	prev := c.Version
	stale := *c
	stale.Media = append(slices.Clone(c.Media), a.SHA256)
	evs := addEvents(&stale, 1)
	err := s.UpdateCase(t.Context(), &stale, prev+1, evs, nil)
	wantCode(t, err, dispatcher.EConflict, "UpdateCase with a stale version")
	ids, err := m.MediaCases(t.Context(), a.SHA256, 10)
	must(t, err, "MediaCases")
	if len(ids) != 0 {
		t.Errorf("a refused write indexed the file for cases %v", ids)
	}
}
