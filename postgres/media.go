package postgres

import (
	"bytes"
	"context"
	"errors"

	"cityhub/dispatcher"

	"github.com/jackc/pgx/v5"
)

// Attachments are kept in the database (the media table, bytea), so that every instance of a hub
// serves them. PutMedia returns once its transaction has committed, which PostgreSQL makes durable
// before it answers.

var _ dispatcher.MediaStore = (*Store)(nil)

// PutMedia inserts the record with its copies (unless the hash has one) and the uploader, in one
// transaction.
func (s *Store) PutMedia(ctx context.Context, rec *dispatcher.Media, content dispatcher.MediaContent, uploader string) error {
	var lat, lng *float64
	if rec.GPS != nil {
		lat, lng = &rec.GPS.Lat, &rec.GPS.Lng
	}
	return s.tx(ctx, "the attachment could not be saved", func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO media (sha256, type, public_type, size, width, height, lat, lng,
				created_at, original, public, thumbnail)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (sha256) DO NOTHING`,
			rec.SHA256, rec.Type, rec.PublicType, rec.Size, rec.Width, rec.Height, lat, lng, rec.CreatedAt,
			content.Original, content.Public, content.Thumbnail); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "INSERT INTO media_uploaders (sha256, login) VALUES ($1, $2) ON CONFLICT DO NOTHING",
			rec.SHA256, uploader)
		return err
	})
}

// Media returns the record of a hash.
func (s *Store) Media(ctx context.Context, sha256 string) (*dispatcher.Media, error) {
	var rec dispatcher.Media
	err := s.query(ctx, "the attachment could not be read", func(ctx context.Context, q querier) error {
		var lat, lng *float64
		err := q.QueryRow(ctx, `SELECT sha256, type, public_type, size, width, height, lat, lng, created_at
			FROM media WHERE sha256 = $1`, sha256).Scan(&rec.SHA256, &rec.Type, &rec.PublicType, &rec.Size,
			&rec.Width, &rec.Height, &lat, &lng, &rec.CreatedAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("no attachment %s", sha256)
		}
		if lat != nil && lng != nil {
			rec.GPS = &dispatcher.Point{Lat: *lat, Lng: *lng}
		}
		rec.CreatedAt = rec.CreatedAt.UTC()
		return err
	})
	if err != nil {
		return nil, err
	}
	return &rec, nil
}

// MediaUploadedBy reports whether login uploaded the file.
func (s *Store) MediaUploadedBy(ctx context.Context, sha256, login string) (bool, error) {
	var ok bool
	err := s.query(ctx, "the attachment could not be read", func(ctx context.Context, q querier) error {
		return q.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM media_uploaders WHERE sha256 = $1 AND login = $2)",
			sha256, login).Scan(&ok)
	})
	return ok, err
}

// MediaCases returns up to limit ids of the cases that carry the file, ascending.
func (s *Store) MediaCases(ctx context.Context, sha256 string, limit int) ([]int64, error) {
	if limit <= 0 {
		limit = 100
	}
	var ids []int64
	err := s.query(ctx, "the attachment could not be read", func(ctx context.Context, q querier) error {
		rows, err := q.Query(ctx, "SELECT case_id FROM media_cases WHERE sha256 = $1 ORDER BY case_id LIMIT $2", sha256, limit)
		if err != nil {
			return err
		}
		ids, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		return err
	})
	return ids, err
}

// mediaColumns are the columns of each copy.
var mediaColumns = map[dispatcher.MediaVariant]string{
	dispatcher.MediaOriginal: "original", dispatcher.MediaPublic: "public", dispatcher.MediaThumbnail: "thumbnail",
}

// OpenMedia reads one copy into memory (a file is at most the upload limit, 50 MB by default).
func (s *Store) OpenMedia(ctx context.Context, sha256 string, v dispatcher.MediaVariant) (dispatcher.MediaFile, error) {
	col, ok := mediaColumns[v]
	if !ok {
		return nil, notFound("no %s copy of %s", v, sha256)
	}
	var data []byte
	err := s.query(ctx, "the attachment could not be read", func(ctx context.Context, q querier) error {
		err := q.QueryRow(ctx, "SELECT "+col+" FROM media WHERE sha256 = $1", sha256).Scan(&data)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && data == nil) {
			return notFound("no %s copy of %s", v, sha256)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return nopCloser{bytes.NewReader(data)}, nil
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

// mediaHashes are the uploaded files c.Media carries (its links are not indexed), for the
// media_cases rows its write adds.
func mediaHashes(c *dispatcher.Case) []string {
	out := []string{}
	for _, h := range c.AllMedia() {
		if dispatcher.IsMediaHash(h) {
			out = append(out, h)
		}
	}
	return out
}

var _ dispatcher.MediaLister = (*Store)(nil)

// MediaHashes pages through the hashes of the stored files in ascending order.
func (s *Store) MediaHashes(ctx context.Context, after string, limit int) ([]string, error) {
	return s.strings(ctx, "SELECT sha256 FROM media WHERE sha256 > $1 ORDER BY sha256 LIMIT $2", after, limit)
}

// MediaUploaders lists who uploaded a file.
func (s *Store) MediaUploaders(ctx context.Context, sha256 string) ([]string, error) {
	return s.strings(ctx, "SELECT login FROM media_uploaders WHERE sha256 = $1 ORDER BY login", sha256)
}

// strings runs a query of one text column.
func (s *Store) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	var out []string
	err := s.query(ctx, "the attachments could not be read", func(ctx context.Context, q querier) error {
		rows, err := q.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	return out, err
}
