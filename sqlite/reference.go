package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"cityhub/dispatcher"
)

// SaveReference replaces the reference data.
func (s *Store) SaveReference(ctx context.Context, ref *dispatcher.Reference) error {
	body, err := encode(ref)
	if err != nil {
		return storeErr(err, "the reference data could not be saved")
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO reference (id, version, saved_at, body) VALUES (1, 1, ?, ?)
		ON CONFLICT (id) DO UPDATE SET version = version + 1, saved_at = excluded.saved_at,
			body = excluded.body`, micro(time.Now()), body)
	return storeErr(err, "the reference data could not be saved")
}

// Reference returns the reference data last saved.
func (s *Store) Reference(ctx context.Context) (*dispatcher.Reference, error) {
	var body string
	err := s.r.QueryRowContext(ctx, "SELECT body FROM reference WHERE id = 1").Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("no reference data was ever saved")
	}
	var ref dispatcher.Reference
	if err == nil {
		err = decode(body, &ref)
	}
	if err != nil {
		return nil, storeErr(err, "the reference data could not be read")
	}
	return &ref, nil
}

// InitReference saves the reference data only if none was ever saved, and says whether it did.
func (s *Store) InitReference(ctx context.Context, ref *dispatcher.Reference) (bool, error) {
	body, err := encode(ref)
	if err != nil {
		return false, storeErr(err, "the reference data could not be saved")
	}
	res, err := s.w.ExecContext(ctx, `INSERT INTO reference (id, version, saved_at, body) VALUES (1, 1, ?, ?)
		ON CONFLICT (id) DO NOTHING`, micro(time.Now()), body)
	if err != nil {
		return false, storeErr(err, "the reference data could not be saved")
	}
	n, err := res.RowsAffected()
	return n == 1, storeErr(err, "the reference data could not be saved")
}

// ReferenceVersion is 0 before any reference data is saved, then grows with every save.
func (s *Store) ReferenceVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.r.QueryRowContext(ctx, "SELECT COALESCE((SELECT version FROM reference WHERE id = 1), 0)").Scan(&v)
	return v, storeErr(err, "the reference data could not be read")
}
