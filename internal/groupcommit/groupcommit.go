// Package groupcommit queues the writes of a store so that one committer runs the writes waiting
// at one moment together, in one transaction with one disk flush, and each caller returns only
// once its write's outcome is known. Both stores use it; what a batch does is theirs.
//
// A lone write goes at once; under load the batches grow by themselves, since everything that
// arrives while one batch commits joins the next.
package groupcommit

import (
	"context"
	"errors"
	"sync"
)

// ErrClosed is the error of a write that was refused, or never ran, because the queue stopped.
var ErrClosed = errors.New("the store is closing")

// Job is one queued write: the caller's context and work, and the outcome the committer sets.
type Job[T any] struct {
	Ctx  context.Context
	Work T
	Err  error
	done chan struct{}
}

// Queue runs the jobs given to Do in batches of at most max, one batch at a time.
type Queue[T any] struct {
	jobs    chan *Job[T]
	quit    chan struct{}
	stopped chan struct{} // closed once the committer has stopped and the queue is empty
	wg      sync.WaitGroup
	once    sync.Once
	max     int
	commit  func(batch []*Job[T])
}

// Start starts the committer. commit runs a batch and sets each job's Err (and whatever its
// Work carries back); it never gets a job whose caller had given up before the batch formed.
func Start[T any](max int, commit func(batch []*Job[T])) *Queue[T] {
	q := &Queue[T]{jobs: make(chan *Job[T], max), quit: make(chan struct{}), stopped: make(chan struct{}),
		max: max, commit: commit}
	q.wg.Go(q.loop)
	return q
}

// Do queues work and waits for its batch. Its error is ctx's if ctx ended before the work was
// queued, ErrClosed if the queue stopped before running it, and otherwise the Err the committer
// set. Once queued, the work's outcome is waited for whatever ctx does: a caller must not be told
// that a write failed which then commits.
func (q *Queue[T]) Do(ctx context.Context, work T) error {
	job := &Job[T]{Ctx: ctx, Work: work, done: make(chan struct{})}
	select {
	case q.jobs <- job:
	case <-ctx.Done():
		return ctx.Err()
	case <-q.quit:
		return ErrClosed
	}
	select {
	case <-job.done:
	case <-q.stopped:
		select {
		case <-job.done:
		default: // queued as the queue stopped, after it was emptied: it never ran
			return ErrClosed
		}
	}
	return job.Err
}

// Len is the number of jobs waiting for a batch.
func (q *Queue[T]) Len() int { return len(q.jobs) }

// Stop lets the batch in flight finish and fails the jobs still queued with ErrClosed. It may be
// called more than once.
func (q *Queue[T]) Stop() {
	q.once.Do(func() {
		close(q.quit)
		q.wg.Wait()
		defer close(q.stopped)
		for {
			select {
			case job := <-q.jobs:
				job.Err = ErrClosed
				close(job.done)
			default:
				return
			}
		}
	})
}

func (q *Queue[T]) loop() {
	for {
		select { // once stopping, begin no other batch, even with jobs waiting
		case <-q.quit:
			return
		default:
		}
		select {
		case job := <-q.jobs:
			batch := q.collect(job)
			if len(batch) > 0 {
				q.commit(batch)
			}
			for _, job := range batch {
				close(job.done)
			}
		case <-q.quit:
			return
		}
	}
}

// collect takes the first job and whatever else is already queued, leaving out (and finishing)
// the jobs whose callers have given up.
func (q *Queue[T]) collect(first *Job[T]) []*Job[T] {
	batch := make([]*Job[T], 0, 8)
	add := func(job *Job[T]) {
		if err := job.Ctx.Err(); err != nil {
			job.Err = err
			close(job.done)
			return
		}
		batch = append(batch, job)
	}
	add(first)
	for len(batch) < q.max {
		select {
		case job := <-q.jobs:
			add(job)
		default:
			return batch
		}
	}
	return batch
}
