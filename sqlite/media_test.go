package sqlite

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cityhub/dispatcher"
	"cityhub/storetest"
)

// openMediaTemp opens a store and its media store in a new temporary directory.
func openMediaTemp(t *testing.T) (*Store, *MediaStore) {
	s := openTemp(t)
	m, err := NewMediaStore(s, filepath.Join(t.TempDir(), "media"))
	if err != nil {
		t.Fatal(err)
	}
	return s, m
}

func TestMediaConformance(t *testing.T) {
	storetest.RunMedia(t, func(t *testing.T) (dispatcher.Store, dispatcher.MediaStore) { return openMediaTemp(t) })
}

// TestMediaFilesLayout: each copy is a file named by the hash under a folder of its first two
// digits, and no temporary file is left behind.
func TestMediaFilesLayout(t *testing.T) {
	_, m := openMediaTemp(t)
	const sha = "ab5d8f0d6d7bd1c7a5b1c2ef0a4f8ab3a1b2c3d4e5f60718293a4b5c6d7e8f90"
	rec := &dispatcher.Media{SHA256: sha, Type: "image/png", PublicType: "image/png", Size: 3}
	content := dispatcher.MediaContent{Original: []byte("png"), Public: []byte("pub"), Thumbnail: []byte("jpg")}
	if err := m.PutMedia(t.Context(), rec, content, "op1"); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join(m.dir, "ab"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := sha + " " + sha + ".public " + sha + ".thumb"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("files %q, want %q", got, want)
	}
	raw, err := os.ReadFile(filepath.Join(m.dir, "ab", sha))
	if err != nil || string(raw) != "png" {
		t.Errorf("original file %q, %v", raw, err)
	}
}
