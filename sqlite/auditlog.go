package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"cityhub/dispatcher"

	"golang.org/x/mod/sumdb/tlog"
)

// The district-wide log and its checkpoints (dispatcher.LogStore).

var _ dispatcher.LogStore = (*Store)(nil)

// AppendLog appends the events that follow the log's last leaf, in a transaction of its own on
// the writer connection (not in the group commit of case writes, whose figures it would blur):
// writes are serialized, so no other append (nor any event write) runs in between, and the
// events it reads are a complete prefix. It returns the number of leaves written.
func (s *Store) AppendLog(ctx context.Context, limit int, build dispatcher.LogBuilder) (int, error) {
	n := 0
	err := s.writeAlone(ctx, "the audit log could not be appended to", func(tx *sql.Tx) error {
		size, last, err := lastLeaf(ctx, tx)
		if err != nil {
			return err
		}
		evs, err := queryEvents(ctx, tx, "SELECT "+eventColumns+" FROM events WHERE id > ? ORDER BY id LIMIT ?",
			last, pageSize(limit))
		if err != nil || len(evs) == 0 {
			return err
		}
		app, err := build(size, evs, txHashes{ctx, tx})
		if err != nil {
			return err
		}
		n = len(app.Leaves)
		return insertLog(ctx, tx, app.Leaves, tlog.StoredHashIndex(0, size), app.Hashes)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// writeAlone runs fn in a write transaction of its own (BEGIN IMMEDIATE on the single writer
// connection, so after and before every other write) and commits.
func (s *Store) writeAlone(ctx context.Context, what string, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return storeErr(err, what)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return storeErr(err, what)
	}
	return storeErr(tx.Commit(), what)
}

// lastLeaf is the log's size and the event id of its last leaf (0 for an empty log).
func lastLeaf(ctx context.Context, tx *sql.Tx) (size, eventID int64, err error) {
	err = tx.QueryRowContext(ctx, "SELECT idx + 1, event_id FROM audit_log ORDER BY idx DESC LIMIT 1").Scan(&size, &eventID)
	if err == sql.ErrNoRows {
		return 0, 0, nil
	}
	return size, eventID, err
}

func insertLog(ctx context.Context, tx *sql.Tx, leaves []dispatcher.LogLeaf, firstHash int64, hashes []tlog.Hash) error {
	for _, l := range leaves {
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (idx, event_id, case_id, number, seq, hash)
			VALUES (?, ?, ?, ?, ?, ?)`, l.Index, l.EventID, l.CaseID, l.Number, l.Seq, l.Hash); err != nil {
			return err
		}
	}
	for i, h := range hashes {
		if _, err := tx.ExecContext(ctx, "INSERT INTO audit_hashes (idx, hash) VALUES (?, ?)",
			firstHash+int64(i), h[:]); err != nil {
			return err
		}
	}
	return nil
}

// txHashes reads stored hashes inside a transaction.
type txHashes struct {
	ctx context.Context
	q   querier
}

func (r txHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	return readHashes(r.ctx, r.q, indexes)
}

func readHashes(ctx context.Context, q querier, indexes []int64) ([]tlog.Hash, error) {
	if len(indexes) == 0 {
		return nil, nil
	}
	args := make([]any, len(indexes))
	for i, x := range indexes {
		args[i] = x
	}
	rows, err := q.QueryContext(ctx, "SELECT idx, hash FROM audit_hashes WHERE idx IN ("+placeholders(len(args))+")", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	found := make(map[int64]tlog.Hash, len(indexes))
	for rows.Next() {
		var idx int64
		var b []byte
		if err := rows.Scan(&idx, &b); err != nil {
			return nil, err
		}
		if found[idx], err = toHash(b); err != nil {
			return nil, err
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return inOrder(indexes, found)
}

// inOrder is the hashes of found at indexes, or an error naming one that is missing.
func inOrder(indexes []int64, found map[int64]tlog.Hash) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		h, ok := found[x]
		if !ok {
			return nil, fmt.Errorf("the audit log's stored hash %d is missing", x)
		}
		out[i] = h
	}
	return out, nil
}

// LogHashes returns the stored hashes at indexes.
func (s *Store) LogHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	hs, err := readHashes(ctx, s.r, indexes)
	return hs, storeErr(err, "the audit log could not be read")
}

// LogSize is the number of leaves of the log.
func (s *Store) LogSize(ctx context.Context) (int64, error) {
	n, err := logSize(ctx, s.r)
	return n, storeErr(err, "the audit log could not be read")
}

func logSize(ctx context.Context, q querier) (int64, error) {
	rows, err := q.QueryContext(ctx, "SELECT COALESCE(MAX(idx) + 1, 0) FROM audit_log")
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var n int64
	if rows.Next() {
		err = rows.Scan(&n)
	}
	return n, errors.Join(err, rows.Err())
}

// LogLeaves returns up to limit leaves from index from on.
func (s *Store) LogLeaves(ctx context.Context, from int64, limit int) ([]dispatcher.LogLeaf, error) {
	out, err := logLeaves(ctx, s.r, from, limit)
	return out, storeErr(err, "the audit log could not be read")
}

func logLeaves(ctx context.Context, q querier, from int64, limit int) ([]dispatcher.LogLeaf, error) {
	var out []dispatcher.LogLeaf
	err := eachLeaf(ctx, q, "WHERE idx >= ? ORDER BY idx LIMIT ?", []any{from, pageSize(limit)},
		func(l dispatcher.LogLeaf) error {
			out = append(out, l)
			return nil
		})
	return out, err
}

func eachLeaf(ctx context.Context, q querier, where string, args []any, fn func(dispatcher.LogLeaf) error) error {
	rows, err := q.QueryContext(ctx, "SELECT idx, event_id, case_id, number, seq, hash FROM audit_log "+where, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var l dispatcher.LogLeaf
		if err := rows.Scan(&l.Index, &l.EventID, &l.CaseID, &l.Number, &l.Seq, &l.Hash); err != nil {
			return err
		}
		if err := fn(l); err != nil {
			return err
		}
	}
	return rows.Err()
}

// PutCheckpoint keeps a checkpoint, unless one of its size is kept already.
func (s *Store) PutCheckpoint(ctx context.Context, c dispatcher.Checkpoint) error {
	return s.writeAlone(ctx, "the checkpoint could not be saved", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO audit_checkpoints (size, root, note, created_at)
			VALUES (?, ?, ?, ?) ON CONFLICT (size) DO NOTHING`, c.Size, c.Root[:], c.Note, micro(c.CreatedAt))
		return err
	})
}

// Checkpoints returns the checkpoints kept, by size.
func (s *Store) Checkpoints(ctx context.Context) ([]dispatcher.Checkpoint, error) {
	out, err := checkpoints(ctx, s.r)
	return out, storeErr(err, "the checkpoints could not be read")
}

func checkpoints(ctx context.Context, q querier) ([]dispatcher.Checkpoint, error) {
	rows, err := q.QueryContext(ctx, "SELECT size, root, note, created_at FROM audit_checkpoints ORDER BY size")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []dispatcher.Checkpoint{}
	for rows.Next() {
		var c dispatcher.Checkpoint
		var root []byte
		var created int64
		if err := rows.Scan(&c.Size, &root, &c.Note, &created); err != nil {
			return nil, err
		}
		if c.Root, err = toHash(root); err != nil {
			return nil, err
		}
		c.CreatedAt = fromMicro(created)
		out = append(out, c)
	}
	return out, rows.Err()
}

// ExportLog calls fn for every leaf of the log, in index order.
func (s *Store) ExportLog(ctx context.Context, fn func(dispatcher.LogLeaf) error) error {
	return s.read(ctx, "the audit log could not be read", func(tx *sql.Tx) error {
		return eachLeaf(ctx, tx, "ORDER BY idx", nil, fn)
	})
}

// ExportLogHashes calls fn for every stored hash of the log's tree, in index order.
func (s *Store) ExportLogHashes(ctx context.Context, fn func(int64, tlog.Hash) error) error {
	return s.read(ctx, "the audit log could not be read", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT idx, hash FROM audit_hashes ORDER BY idx")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var idx int64
			var b []byte
			if err := rows.Scan(&idx, &b); err != nil {
				return err
			}
			h, err := toHash(b)
			if err != nil {
				return err
			}
			if err := fn(idx, h); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// toHash is a stored hash, which must be 32 bytes long.
func toHash(b []byte) (tlog.Hash, error) {
	if len(b) != tlog.HashSize {
		return tlog.Hash{}, fmt.Errorf("a stored hash of the audit log is %d bytes long, not %d", len(b), tlog.HashSize)
	}
	return tlog.Hash(b), nil
}
