package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync/atomic"

	"cityhub/dispatcher"
	"cityhub/internal/groupcommit"
)

// Group commit. With synchronous=FULL every commit waits for the disk; one transaction per request
// would make the disk's flush rate the hub's intake rate, and the single writer connection would
// serve waiting requests in no particular order. Instead writes are queued (internal/groupcommit)
// and the committer runs every write waiting inside its own SAVEPOINT of one transaction (a write
// that fails is rolled back alone) and commits them together with one flush. Each caller returns
// only after that commit, so a write that was answered with success is on disk.

// maxBatch bounds how many writes share one commit.
const maxBatch = 128

// writeFn is one write: it runs in the shared transaction.
type writeFn func(ctx context.Context, tx *sql.Tx) error

type committer struct {
	queue   *groupcommit.Queue[writeFn]
	commits atomic.Int64 // transactions committed
	writes  atomic.Int64 // writes they committed
}

func (s *Store) startCommitter() {
	s.queue = groupcommit.Start(maxBatch, s.commitBatch)
}

func (s *Store) stopCommitter() { s.queue.Stop() }

// write runs fn in a write transaction shared with other writers and returns once it has been
// committed (nil) or rolled back (fn's error, or the commit's). fn gets a context that is never
// cancelled: cancelling a statement inside a shared transaction would roll back everyone's work.
func (s *Store) write(ctx context.Context, what string, fn func(ctx context.Context, tx *sql.Tx) error) error {
	err := s.queue.Do(ctx, fn)
	if errors.Is(err, groupcommit.ErrClosed) {
		return dispatcher.Errorf(dispatcher.EUnavailable, "%s: the store is closing", what)
	}
	return storeErr(err, what)
}

func (s *Store) commitBatch(batch []*groupcommit.Job[writeFn]) {
	tx, err := s.w.BeginTx(context.Background(), nil)
	if err != nil {
		failAll(batch, err)
		return
	}
	for _, job := range batch {
		job.Err = runInSavepoint(tx, job)
	}
	if err := tx.Commit(); err != nil {
		failAll(batch, err)
		return
	}
	s.commits.Add(1)
	for _, job := range batch {
		if job.Err == nil {
			s.writes.Add(1)
		}
	}
}

// CommitStats implements dispatcher.CommitStats.
func (s *Store) CommitStats() (writes, commits int64) {
	return s.writes.Load(), s.commits.Load()
}

// runInSavepoint runs one job; if it fails, only its own changes are undone.
func runInSavepoint(tx *sql.Tx, job *groupcommit.Job[writeFn]) error {
	if err := job.Ctx.Err(); err != nil {
		return err // the caller gave up before its turn: do nothing for it
	}
	if _, err := tx.Exec("SAVEPOINT job"); err != nil {
		return err
	}
	if err := job.Work(context.WithoutCancel(job.Ctx), tx); err != nil {
		_, _ = tx.Exec("ROLLBACK TO job")
		_, _ = tx.Exec("RELEASE job")
		return err
	}
	_, err := tx.Exec("RELEASE job")
	return err
}

// failAll marks every job that had succeeded as failed with err (the commit did not happen).
func failAll(batch []*groupcommit.Job[writeFn], err error) {
	for _, job := range batch {
		if job.Err == nil {
			job.Err = err
		}
	}
}
