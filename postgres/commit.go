package postgres

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync/atomic"

	"cityhub/dispatcher"
	"cityhub/internal/groupcommit"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Group commit. A write transaction of its own for every case write costs the server two round
// trips, the event-id lock protocol and a commit with its WAL flush, which is most of the cost of
// a small write. So writes are queued (internal/groupcommit), and the committer takes every write
// waiting when it becomes free and runs them in one transaction: one draw of ids, one pipeline of
// the writes' statements, one COMMIT. Each caller returns only after that commit, so a write
// answered with success is committed. (One committer gave larger batches, and about 25% more
// reports a second, than two or four in the Open311 load test.)
//
// Within a batch the updates are ordered by case id, so that the batches of several instances
// lock case rows in one order and cannot deadlock on them.
//
// A batch fails as a whole: if the server refuses any of its statements (a duplicate channel
// message, a deadlock, a constraint), nothing of it was committed, and each of its writes is run
// again alone, so that only the one at fault fails. A batch that fails for any other reason (the
// connection broke) fails every write in it, as a lone write would: the server may or may not
// have committed it, and running it again could write it twice.

const (
	// maxBatch bounds how many writes share one transaction.
	maxBatch = 64
	// maxAttempts bounds how often a lone write that lost a deadlock or a serialization check is
	// retried.
	maxAttempts = 3
)

// writeJob is one case write waiting for its batch.
type writeJob struct {
	ctx    context.Context
	caseID int64 // the case it updates (0 for a new case, which needs a case id)
	events int   // event ids it needs
	// build makes the write from its ids. It may be called again with other ids if the write is
	// retried, so it must not change anything of the caller's.
	build func(d drawn) caseWrite
	found int64 // case rows written: 1, or 0 for an update that found a newer version
	err   error
}

type committer struct {
	queue   *groupcommit.Queue[*writeJob]
	batches atomic.Int64 // transactions committed (for tests and metrics)
	writes  atomic.Int64 // case writes they committed (an update that found a newer version writes nothing)
}

func (s *Store) startCommitters() {
	s.commit.queue = groupcommit.Start(maxBatch, func(batch []*groupcommit.Job[*writeJob]) {
		jobs := make([]*writeJob, len(batch))
		for i, job := range batch {
			jobs[i] = job.Work
		}
		s.commitBatch(jobs)
		for i, job := range batch {
			job.Err = jobs[i].err
		}
	})
}

// stopCommitters lets the batch in flight finish and fails the writes still queued.
func (s *Store) stopCommitters() { s.commit.queue.Stop() }

// write queues a write of case caseID (0: a new case, which draws a case id) that draws events
// event ids, and returns once its transaction has committed the number of case rows it wrote (1,
// or 0 for an update that found a newer version: then it wrote nothing).
func (s *Store) write(ctx context.Context, what string, caseID int64, events int,
	build func(d drawn) caseWrite) (int64, error) {
	if err := s.usable(); err != nil {
		return 0, err
	}
	job := &writeJob{ctx: ctx, caseID: caseID, events: events, build: build}
	err := s.commit.queue.Do(ctx, job)
	if errors.Is(err, groupcommit.ErrClosed) {
		return 0, dispatcher.Errorf(dispatcher.EUnavailable, "%s: the store is closing", what)
	}
	return job.found, s.storeErr(err, what)
}

func (s *Store) commitBatch(batch []*writeJob) {
	switch len(batch) {
	case 1:
		s.writeAlone(batch[0])
		return
	}
	slices.SortStableFunc(batch, func(a, b *writeJob) int { return cmp.Compare(a.caseID, b.caseID) })
	// The batch runs for all its callers: one giving up must not roll back the others' writes.
	ctx, cancel := withTimeout(context.WithoutCancel(batch[0].ctx))
	defer cancel()
	err := s.writeTogether(ctx, batch)
	var refused *pgconn.PgError
	var failed *unbuilt
	switch {
	case err == nil:
	case errors.As(err, &refused), errors.As(err, &failed):
		for _, job := range batch {
			s.writeAlone(job)
		}
	default:
		for _, job := range batch {
			job.found, job.err = 0, err
		}
	}
}

// CommitStats implements dispatcher.CommitStats.
func (s *Store) CommitStats() (writes, commits int64) {
	return s.commit.writes.Load(), s.commit.batches.Load()
}

// writeAlone runs one job in a transaction of its own, retrying it after a lost deadlock.
func (s *Store) writeAlone(job *writeJob) {
	ctx, cancel := withTimeout(job.ctx)
	defer cancel()
	for range maxAttempts {
		job.found, job.err = 0, nil
		job.err = s.writeTogether(ctx, []*writeJob{job})
		if code := pgCode(job.err); code != "40P01" && code != "40001" {
			return
		}
	}
}

// writeTogether runs the jobs in one transaction: one draw of ids for all of them (handed out in
// job order), their statements and COMMIT in one round trip. It sets each job's found only if the
// transaction committed.
func (s *Store) writeTogether(ctx context.Context, jobs []*writeJob) (err error) {
	pc, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer pc.Release()
	conn := pc.Conn()
	defer func() {
		if err != nil {
			cleanUp(conn)
		}
	}()
	events, cases := 0, 0
	for _, job := range jobs {
		events += job.events
		if job.caseID == 0 {
			cases++
		}
	}
	eventIDs, caseIDs, err := begin(ctx, conn, events, cases)
	if err != nil {
		return err
	}
	b, slots, err := statements(jobs, eventIDs, caseIDs)
	if err != nil {
		return err
	}
	found := make([]int64, b.Len())
	hook := s.beforeCommit
	if hook == nil {
		b.Queue("COMMIT") // in the same round trip; skipped by the server if a write failed
	}
	br := conn.SendBatch(ctx, b)
	for i := range found {
		if err = br.QueryRow().Scan(&found[i]); err != nil {
			break
		}
	}
	if err == nil && hook == nil {
		_, err = br.Exec()
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if hook != nil {
		hook(jobs[0].ctx)
		if _, err := conn.Exec(ctx, "COMMIT"); err != nil {
			return err
		}
	}
	if conn.PgConn().TxStatus() != 'I' {
		return errors.New("postgres: the transaction did not commit")
	}
	s.commit.batches.Add(1)
	for i, job := range jobs {
		job.found = found[slots[i]]
		if job.caseID == 0 {
			job.found = 1 // the statement of the new cases answers their number
		}
		s.commit.writes.Add(job.found)
	}
	return nil
}

// statements hands out the drawn ids to the jobs in order and returns the statements of their
// writes, one for all the new cases and one per update, and the statement of each job. Each
// statement returns the number of case rows it wrote.
func statements(jobs []*writeJob, eventIDs, caseIDs []int64) (*pgx.Batch, []int, error) {
	var inserts []caseWrite
	b := &pgx.Batch{}
	slots := make([]int, len(jobs))
	for i, job := range jobs {
		var d drawn
		d.eventIDs, eventIDs = eventIDs[:job.events], eventIDs[job.events:]
		if job.caseID == 0 {
			d.caseID, caseIDs = caseIDs[0], caseIDs[1:]
			inserts = append(inserts, job.build(d))
			continue
		}
		sql, args, err := updateCase(job.build(d))
		if err != nil {
			return nil, nil, &unbuilt{err}
		}
		slots[i] = b.Len()
		b.Queue(sql, args...)
	}
	if len(inserts) > 0 {
		sql, args, err := insertCases(inserts)
		if err != nil {
			return nil, nil, &unbuilt{err}
		}
		for i, job := range jobs {
			if job.caseID == 0 {
				slots[i] = b.Len()
			}
		}
		b.Queue(sql, args...)
	}
	return b, slots, nil
}

// unbuilt is a write whose statement could not be built: nothing was sent for the batch.
type unbuilt struct{ err error }

func (e *unbuilt) Error() string { return e.err.Error() }
func (e *unbuilt) Unwrap() error { return e.err }
