package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"cityhub/dispatcher"
)

// MediaStore keeps the attachments of a hub on SQLite: each copy is a file under dir, named by
// the hash (dir/ab/abcdef… the original, …​.public the stripped copy, …​.thumb the thumbnail), and
// the records are rows of the store's database. A file is written to a temporary name, synced,
// renamed into place and its directory synced before the record is committed, and the record
// before PutMedia returns: a record always names copies that are whole and on disk.
type MediaStore struct {
	s   *Store
	dir string
}

var _ dispatcher.MediaStore = (*MediaStore)(nil)

// NewMediaStore keeps the files of s's attachments under dir, which the first upload creates.
func NewMediaStore(s *Store, dir string) (*MediaStore, error) {
	if dir == "" {
		return nil, fmt.Errorf("media directory: none given")
	}
	return &MediaStore{s: s, dir: dir}, nil
}

// suffixes name the files of each copy.
var suffixes = map[dispatcher.MediaVariant]string{
	dispatcher.MediaOriginal: "", dispatcher.MediaPublic: ".public", dispatcher.MediaThumbnail: ".thumb",
}

// path is where a copy of a file lives: under a folder named by the hash's first two digits, so
// that no folder holds more than a 256th of the files.
func (m *MediaStore) path(sha256 string, v dispatcher.MediaVariant) string {
	return filepath.Join(m.dir, sha256[:2], sha256+suffixes[v])
}

// PutMedia writes the copies, then the record and the uploader. A copy already on disk is kept:
// its name is its content's hash (or derived from it).
func (m *MediaStore) PutMedia(ctx context.Context, rec *dispatcher.Media, content dispatcher.MediaContent, uploader string) error {
	const what = "the attachment could not be saved"
	if !dispatcher.IsMediaHash(rec.SHA256) {
		return dispatcher.Errorf(dispatcher.EInvalid, "not a media hash: %q", rec.SHA256)
	}
	for v, data := range map[dispatcher.MediaVariant][]byte{dispatcher.MediaOriginal: content.Original,
		dispatcher.MediaPublic: content.Public, dispatcher.MediaThumbnail: content.Thumbnail} {
		if data == nil {
			continue
		}
		if err := m.makeFolder(rec.SHA256); err != nil {
			return storeErr(err, what)
		}
		if err := writeDurably(m.path(rec.SHA256, v), data); err != nil {
			return storeErr(err, what)
		}
	}
	return storeErr(m.putRecord(ctx, rec, uploader), what)
}

// putRecord inserts the record (unless the hash has one) and the uploader in one transaction.
func (m *MediaStore) putRecord(ctx context.Context, rec *dispatcher.Media, uploader string) error {
	var lat, lng sql.NullFloat64
	if rec.GPS != nil {
		lat, lng = sql.NullFloat64{Float64: rec.GPS.Lat, Valid: true}, sql.NullFloat64{Float64: rec.GPS.Lng, Valid: true}
	}
	tx, err := m.s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO media
		(sha256, type, public_type, size, width, height, lat, lng, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (sha256) DO NOTHING`,
		rec.SHA256, rec.Type, rec.PublicType, rec.Size, rec.Width, rec.Height, lat, lng, micro(rec.CreatedAt)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "INSERT OR IGNORE INTO media_uploaders (sha256, login) VALUES (?, ?)",
		rec.SHA256, uploader); err != nil {
		return err
	}
	return tx.Commit()
}

// makeFolder creates the folder of a hash's files if it is missing, and syncs the folders above
// it so that the new entries survive a crash.
func (m *MediaStore) makeFolder(sha256 string) error {
	dir := filepath.Join(m.dir, sha256[:2])
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	if err := syncDir(m.dir); err != nil {
		return err
	}
	return syncDir(filepath.Dir(m.dir))
}

// writeDurably puts data at path unless a file is there already: a temporary file in the same
// folder, synced, renamed into place, and the folder synced so that the rename survives a crash.
func writeDurably(path string, data []byte) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op once renamed
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Media returns the record of a hash.
func (m *MediaStore) Media(ctx context.Context, sha256 string) (*dispatcher.Media, error) {
	var rec dispatcher.Media
	var lat, lng sql.NullFloat64
	var created int64
	err := m.s.r.QueryRowContext(ctx, `SELECT sha256, type, public_type, size, width, height, lat, lng, created_at
		FROM media WHERE sha256 = ?`, sha256).Scan(&rec.SHA256, &rec.Type, &rec.PublicType, &rec.Size,
		&rec.Width, &rec.Height, &lat, &lng, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("no attachment %s", sha256)
	}
	if err != nil {
		return nil, storeErr(err, "the attachment could not be read")
	}
	rec.CreatedAt = fromMicro(created)
	if lat.Valid && lng.Valid {
		rec.GPS = &dispatcher.Point{Lat: lat.Float64, Lng: lng.Float64}
	}
	return &rec, nil
}

// MediaUploadedBy reports whether login uploaded the file.
func (m *MediaStore) MediaUploadedBy(ctx context.Context, sha256, login string) (bool, error) {
	var ok bool
	err := m.s.r.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM media_uploaders WHERE sha256 = ? AND login = ?)",
		sha256, login).Scan(&ok)
	return ok, storeErr(err, "the attachment could not be read")
}

// MediaCases returns up to limit ids of the cases that carry the file, ascending.
func (m *MediaStore) MediaCases(ctx context.Context, sha256 string, limit int) ([]int64, error) {
	return mediaCases(ctx, m.s.r, sha256, limit)
}

func mediaCases(ctx context.Context, q querier, sha256 string, limit int) ([]int64, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := q.QueryContext(ctx, "SELECT case_id FROM media_cases WHERE sha256 = ? ORDER BY case_id LIMIT ?", sha256, limit)
	if err != nil {
		return nil, storeErr(err, "the attachment could not be read")
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, storeErr(err, "the attachment could not be read")
		}
		ids = append(ids, id)
	}
	return ids, storeErr(rows.Err(), "the attachment could not be read")
}

// OpenMedia opens the file of one copy.
func (m *MediaStore) OpenMedia(ctx context.Context, sha256 string, v dispatcher.MediaVariant) (dispatcher.MediaFile, error) {
	if _, ok := suffixes[v]; !ok || !dispatcher.IsMediaHash(sha256) {
		return nil, notFound("no %s copy of %s", v, sha256)
	}
	f, err := os.Open(m.path(sha256, v))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, notFound("no %s copy of %s", v, sha256)
	}
	if err != nil {
		return nil, storeErr(err, "the attachment could not be read")
	}
	return f, nil
}

// putCaseMedia indexes the uploaded files c.Media carries (its links are not indexed). Media only
// ever grows, so rows are only added.
func putCaseMedia(ctx context.Context, tx *sql.Tx, c *dispatcher.Case) error {
	for _, h := range c.AllMedia() {
		if !dispatcher.IsMediaHash(h) {
			continue
		}
		if _, err := tx.ExecContext(ctx, "INSERT OR IGNORE INTO media_cases (sha256, case_id) VALUES (?, ?)",
			h, c.ID); err != nil {
			return err
		}
	}
	return nil
}

var _ dispatcher.MediaLister = (*MediaStore)(nil)

// MediaHashes pages through the hashes of the stored files in ascending order.
func (m *MediaStore) MediaHashes(ctx context.Context, after string, limit int) ([]string, error) {
	return m.strings(ctx, "SELECT sha256 FROM media WHERE sha256 > ? ORDER BY sha256 LIMIT ?", after, limit)
}

// MediaUploaders lists who uploaded a file.
func (m *MediaStore) MediaUploaders(ctx context.Context, sha256 string) ([]string, error) {
	return m.strings(ctx, "SELECT login FROM media_uploaders WHERE sha256 = ? ORDER BY login", sha256)
}

// strings runs a query of one text column.
func (m *MediaStore) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := m.s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, storeErr(err, "the attachments could not be read")
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, storeErr(err, "the attachments could not be read")
		}
		out = append(out, s)
	}
	return out, storeErr(rows.Err(), "the attachments could not be read")
}
