package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"

	"cityhub/dispatcher"
)

// Group commit. With synchronous=FULL every commit waits for the disk; one transaction per request
// would make the disk's flush rate the hub's intake rate, and the single writer connection would
// serve waiting requests in no particular order. Instead one goroutine takes every queued write,
// runs each inside its own SAVEPOINT of one transaction (a write that fails is rolled back alone)
// and commits them together with one flush. Each caller returns only after that commit, so a
// write that was answered with success is on disk.

// maxBatch bounds how many writes share one commit.
const maxBatch = 128

type writeJob struct {
	ctx  context.Context
	fn   func(ctx context.Context, tx *sql.Tx) error
	err  error
	done chan struct{}
}

type committer struct {
	jobs    chan *writeJob
	quit    chan struct{}
	stopped chan struct{} // closed once the committer has stopped and its queue is empty
	wg      sync.WaitGroup
	once    sync.Once
	commits atomic.Int64 // transactions committed
	writes  atomic.Int64 // writes they committed
}

func (s *Store) startCommitter() {
	s.jobs = make(chan *writeJob, maxBatch)
	s.quit = make(chan struct{})
	s.stopped = make(chan struct{})
	s.wg.Add(1)
	go s.commitLoop()
}

func (s *Store) stopCommitter() {
	s.once.Do(func() {
		close(s.quit)
		s.wg.Wait()
		close(s.stopped)
	})
}

// write runs fn in a write transaction shared with other writers and returns once it has been
// committed (nil) or rolled back (fn's error, or the commit's). fn gets a context that is never
// cancelled: cancelling a statement inside a shared transaction would roll back everyone's work.
func (s *Store) write(ctx context.Context, what string, fn func(ctx context.Context, tx *sql.Tx) error) error {
	job := &writeJob{ctx: ctx, fn: fn, done: make(chan struct{})}
	select {
	case s.jobs <- job:
	case <-ctx.Done():
		return storeErr(ctx.Err(), what)
	case <-s.quit:
		return dispatcher.Errorf(dispatcher.EUnavailable, "%s: the store is closing", what)
	}
	// Once queued, the outcome must be known before answering.
	select {
	case <-job.done:
	case <-s.stopped:
		select {
		case <-job.done:
		default: // queued as the store closed, after its queue was emptied: it never ran
			return dispatcher.Errorf(dispatcher.EUnavailable, "%s: the store is closing", what)
		}
	}
	return storeErr(job.err, what)
}

func (s *Store) commitLoop() {
	defer s.wg.Done()
	for {
		select {
		case job := <-s.jobs:
			s.commitBatch(s.collect(job))
		case <-s.quit:
			s.failQueued()
			return
		}
	}
}

// collect takes the first job and whatever else is already queued.
func (s *Store) collect(first *writeJob) []*writeJob {
	batch := []*writeJob{first}
	for len(batch) < maxBatch {
		select {
		case job := <-s.jobs:
			batch = append(batch, job)
		default:
			return batch
		}
	}
	return batch
}

func (s *Store) commitBatch(batch []*writeJob) {
	defer func() {
		for _, job := range batch {
			close(job.done)
		}
	}()
	tx, err := s.w.BeginTx(context.Background(), nil)
	if err != nil {
		failAll(batch, err)
		return
	}
	for _, job := range batch {
		job.err = runInSavepoint(tx, job)
	}
	if err := tx.Commit(); err != nil {
		failAll(batch, err)
		return
	}
	s.commits.Add(1)
	for _, job := range batch {
		if job.err == nil {
			s.writes.Add(1)
		}
	}
}

// CommitStats implements dispatcher.CommitStats.
func (s *Store) CommitStats() (writes, commits int64) {
	return s.writes.Load(), s.commits.Load()
}

// runInSavepoint runs one job; if it fails, only its own changes are undone.
func runInSavepoint(tx *sql.Tx, job *writeJob) error {
	if err := job.ctx.Err(); err != nil {
		return err // the caller gave up before its turn: do nothing for it
	}
	if _, err := tx.Exec("SAVEPOINT job"); err != nil {
		return err
	}
	if err := job.fn(context.WithoutCancel(job.ctx), tx); err != nil {
		_, _ = tx.Exec("ROLLBACK TO job")
		_, _ = tx.Exec("RELEASE job")
		return err
	}
	_, err := tx.Exec("RELEASE job")
	return err
}

// failAll marks every job that had succeeded as failed with err (the commit did not happen).
func failAll(batch []*writeJob, err error) {
	for _, job := range batch {
		if job.err == nil {
			job.err = err
		}
	}
}

func (s *Store) failQueued() {
	for {
		select {
		case job := <-s.jobs:
			job.err = dispatcher.Errorf(dispatcher.EUnavailable, "the store is closing")
			close(job.done)
		default:
			return
		}
	}
}
