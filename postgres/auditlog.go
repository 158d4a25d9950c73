package postgres

import (
	"context"
	"fmt"

	"cityhub/dispatcher"

	"github.com/jackc/pgx/v5"
	"golang.org/x/mod/sumdb/tlog"
)

// The district-wide log and its checkpoints (dispatcher.LogStore).

var _ dispatcher.LogStore = (*Store)(nil)

// AppendLog appends the events that follow the log's last leaf. Every instance's appender runs
// it: the transaction lock (lockSpace, lockAuditLog) makes appends take turns, and each reads the
// log's end only once it holds the lock (READ COMMITTED: it sees what the previous holder
// committed), so no event is appended twice (the primary key and the unique event_id would
// refuse it anyway). The events come as EventsAfter gives them, a complete prefix in ID order
// whatever order their transactions committed in (events.go), so none is skipped either.
func (s *Store) AppendLog(ctx context.Context, limit int, build dispatcher.LogBuilder) (int, error) {
	n := 0
	err := s.tx(ctx, "the audit log could not be appended to", func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, $2)", lockSpace, lockAuditLog); err != nil {
			return err
		}
		size, last, err := lastLeaf(ctx, tx)
		if err != nil {
			return err
		}
		h, err := horizon(ctx, tx)
		if err != nil {
			return err
		}
		evs, err := queryEvents(ctx, tx, "SELECT "+eventColumns+
			" FROM events WHERE id > $1 AND xid < $2 ORDER BY id LIMIT $3", last, h, pageSize(limit))
		if err != nil || len(evs) == 0 {
			return err
		}
		app, err := build(size, evs, tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
			return readHashes(ctx, tx, indexes)
		}))
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

// lastLeaf is the log's size and the event id of its last leaf (0 for an empty log).
func lastLeaf(ctx context.Context, q querier) (size, eventID int64, err error) {
	err = q.QueryRow(ctx, "SELECT idx + 1, event_id FROM audit_log ORDER BY idx DESC LIMIT 1").Scan(&size, &eventID)
	if err == pgx.ErrNoRows {
		return 0, 0, nil
	}
	return size, eventID, err
}

const (
	insertLeavesSQL = `INSERT INTO audit_log (idx, event_id, case_id, number, seq, hash)
		SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::bigint[], $6::text[])`
	insertHashesSQL = `INSERT INTO audit_hashes (idx, hash) SELECT * FROM unnest($1::bigint[], $2::bytea[])`
)

func insertLog(ctx context.Context, q querier, leaves []dispatcher.LogLeaf, firstHash int64, hashes []tlog.Hash) error {
	n := len(leaves)
	idx, events, cases, seqs := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	numbers, evHashes := make([]string, n), make([]string, n)
	for i, l := range leaves {
		idx[i], events[i], cases[i], numbers[i], seqs[i], evHashes[i] = l.Index, l.EventID, l.CaseID, l.Number, l.Seq, l.Hash
	}
	if _, err := q.Exec(ctx, insertLeavesSQL, idx, events, cases, numbers, seqs, evHashes); err != nil {
		return err
	}
	hidx, hs := make([]int64, len(hashes)), make([][]byte, len(hashes))
	for i := range hashes {
		hidx[i], hs[i] = firstHash+int64(i), hashes[i][:]
	}
	_, err := q.Exec(ctx, insertHashesSQL, hidx, hs)
	return err
}

func readHashes(ctx context.Context, q querier, indexes []int64) ([]tlog.Hash, error) {
	if len(indexes) == 0 {
		return nil, nil
	}
	rows, err := q.Query(ctx, "SELECT idx, hash FROM audit_hashes WHERE idx = ANY ($1)", indexes)
	if err != nil {
		return nil, err
	}
	found := make(map[int64]tlog.Hash, len(indexes))
	var idx int64
	var b []byte
	_, err = pgx.ForEachRow(rows, []any{&idx, &b}, func() error {
		h, err := toHash(b)
		found[idx] = h
		return err
	})
	if err != nil {
		return nil, err
	}
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

// toHash is a stored hash, which must be 32 bytes long.
func toHash(b []byte) (tlog.Hash, error) {
	if len(b) != tlog.HashSize {
		return tlog.Hash{}, fmt.Errorf("a stored hash of the audit log is %d bytes long, not %d", len(b), tlog.HashSize)
	}
	return tlog.Hash(b), nil
}

// LogHashes returns the stored hashes at indexes.
func (s *Store) LogHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	var hs []tlog.Hash
	err := s.query(ctx, "the audit log could not be read", func(ctx context.Context, q querier) error {
		var err error
		hs, err = readHashes(ctx, q, indexes)
		return err
	})
	return hs, err
}

// LogSize is the number of leaves of the log.
func (s *Store) LogSize(ctx context.Context) (int64, error) {
	var n int64
	err := s.query(ctx, "the audit log could not be read", func(ctx context.Context, q querier) error {
		var err error
		n, err = logSize(ctx, q)
		return err
	})
	return n, err
}

func logSize(ctx context.Context, q querier) (int64, error) {
	var n int64
	err := q.QueryRow(ctx, "SELECT COALESCE(MAX(idx) + 1, 0) FROM audit_log").Scan(&n)
	return n, err
}

// LogLeaves returns up to limit leaves from index from on.
func (s *Store) LogLeaves(ctx context.Context, from int64, limit int) ([]dispatcher.LogLeaf, error) {
	var out []dispatcher.LogLeaf
	err := s.query(ctx, "the audit log could not be read", func(ctx context.Context, q querier) error {
		var err error
		out, err = logLeaves(ctx, q, from, limit)
		return err
	})
	return out, err
}

const leafColumns = "idx, event_id, case_id, number, seq, hash"

func logLeaves(ctx context.Context, q querier, from int64, limit int) ([]dispatcher.LogLeaf, error) {
	rows, err := q.Query(ctx, "SELECT "+leafColumns+" FROM audit_log WHERE idx >= $1 ORDER BY idx LIMIT $2", from, pageSize(limit))
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanLeaf)
}

func scanLeaf(row pgx.CollectableRow) (dispatcher.LogLeaf, error) {
	var l dispatcher.LogLeaf
	return l, row.Scan(&l.Index, &l.EventID, &l.CaseID, &l.Number, &l.Seq, &l.Hash)
}

// PutCheckpoint keeps a checkpoint, unless one of its size is kept already.
func (s *Store) PutCheckpoint(ctx context.Context, c dispatcher.Checkpoint) error {
	return s.query(ctx, "the checkpoint could not be saved", func(ctx context.Context, q querier) error {
		_, err := q.Exec(ctx, `INSERT INTO audit_checkpoints (size, root, note, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (size) DO NOTHING`, c.Size, c.Root[:], c.Note, c.CreatedAt)
		return err
	})
}

// Checkpoints returns the checkpoints kept, by size.
func (s *Store) Checkpoints(ctx context.Context) ([]dispatcher.Checkpoint, error) {
	var out []dispatcher.Checkpoint
	err := s.query(ctx, "the checkpoints could not be read", func(ctx context.Context, q querier) error {
		var err error
		out, err = checkpoints(ctx, q)
		return err
	})
	return out, err
}

func checkpoints(ctx context.Context, q querier) ([]dispatcher.Checkpoint, error) {
	rows, err := q.Query(ctx, "SELECT size, root, note, created_at FROM audit_checkpoints ORDER BY size")
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (dispatcher.Checkpoint, error) {
		var c dispatcher.Checkpoint
		var root []byte
		if err := row.Scan(&c.Size, &root, &c.Note, &c.CreatedAt); err != nil {
			return c, err
		}
		c.CreatedAt = c.CreatedAt.UTC()
		var err error
		c.Root, err = toHash(root)
		return c, err
	})
	if out == nil {
		out = []dispatcher.Checkpoint{}
	}
	return out, err
}

// ExportLog calls fn for every leaf of the log, in index order.
func (s *Store) ExportLog(ctx context.Context, fn func(dispatcher.LogLeaf) error) error {
	if err := s.usable(); err != nil {
		return err
	}
	rows, err := s.pool.Query(ctx, "SELECT "+leafColumns+" FROM audit_log ORDER BY idx")
	if err != nil {
		return s.storeErr(err, "the audit log could not be read")
	}
	var l dispatcher.LogLeaf
	_, err = pgx.ForEachRow(rows, []any{&l.Index, &l.EventID, &l.CaseID, &l.Number, &l.Seq, &l.Hash}, func() error {
		return fn(l)
	})
	return s.storeErr(err, "the audit log could not be read")
}

// ExportLogHashes calls fn for every stored hash of the log's tree, in index order.
func (s *Store) ExportLogHashes(ctx context.Context, fn func(int64, tlog.Hash) error) error {
	if err := s.usable(); err != nil {
		return err
	}
	rows, err := s.pool.Query(ctx, "SELECT idx, hash FROM audit_hashes ORDER BY idx")
	if err != nil {
		return s.storeErr(err, "the audit log could not be read")
	}
	var idx int64
	var b []byte
	_, err = pgx.ForEachRow(rows, []any{&idx, &b}, func() error {
		h, err := toHash(b)
		if err != nil {
			return err
		}
		return fn(idx, h)
	})
	return s.storeErr(err, "the audit log could not be read")
}

// ImportLog writes leaves and stored hashes (hashes[i] at index firstHash+i) as given, in one
// transaction, with COPY.
func (s *Store) ImportLog(ctx context.Context, leaves []dispatcher.LogLeaf, firstHash int64, hashes []tlog.Hash) error {
	leafRows := make([][]any, len(leaves))
	for i, l := range leaves {
		leafRows[i] = []any{l.Index, l.EventID, l.CaseID, l.Number, l.Seq, l.Hash}
	}
	hashRows := make([][]any, len(hashes))
	for i := range hashes {
		hashRows[i] = []any{firstHash + int64(i), hashes[i][:]}
	}
	return s.tx(ctx, "the audit log could not be imported", func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"audit_log"},
			[]string{"idx", "event_id", "case_id", "number", "seq", "hash"}, pgx.CopyFromRows(leafRows)); err != nil {
			return err
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"audit_hashes"}, []string{"idx", "hash"}, pgx.CopyFromRows(hashRows))
		return err
	})
}
