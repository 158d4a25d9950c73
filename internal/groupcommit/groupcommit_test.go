package groupcommit

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// held starts a queue whose first batch waits until release is called, and records every batch.
func held(t *testing.T, max int) (q *Queue[int], release func(), batches func() [][]int) {
	t.Helper()
	gate := make(chan struct{})
	var once sync.Once
	release = func() { once.Do(func() { close(gate) }) }
	var mu sync.Mutex
	var seen [][]int
	first := true
	q = Start(max, func(batch []*Job[int]) {
		mu.Lock()
		var works []int
		for _, j := range batch {
			works = append(works, j.Work)
			if j.Work < 0 {
				j.Err = errors.New("refused")
			}
		}
		seen = append(seen, works)
		wait := first
		first = false
		mu.Unlock()
		if wait {
			<-gate
		}
	})
	t.Cleanup(func() { release(); q.Stop() })
	return q, release, func() [][]int {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(seen)
	}
}

func waitLen(t *testing.T, q *Queue[int], n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for q.Len() != n {
		if time.Now().After(deadline) {
			t.Fatalf("queue holds %d jobs, want %d", q.Len(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// Jobs queued while a batch runs go together in the next one, each with its own outcome; a job
// whose caller gave up before its batch formed is left out with its context's error.
func TestQueuedJobsShareTheNextBatch(t *testing.T) {
	q, release, batches := held(t, 4)
	errs := make([]error, 5)
	var wg sync.WaitGroup
	wg.Go(func() { errs[0] = q.Do(context.Background(), 0) })
	for len(batches()) == 0 {
		time.Sleep(time.Millisecond)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	works := []int{0, 1, 2, -3, 4}
	for i := 1; i < 5; i++ {
		ctx := context.Background()
		if i == 2 {
			ctx = cancelled
		}
		wg.Go(func() { errs[i] = q.Do(ctx, works[i]) })
		waitLen(t, q, i)
	}
	cancel()
	release()
	wg.Wait()

	got := batches()
	want := [][]int{{0}, {1, -3, 4}}
	if !slices.EqualFunc(got, want, slices.Equal[[]int]) {
		t.Fatalf("batches %v, want %v", got, want)
	}
	for i, err := range errs {
		switch i {
		case 2:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("the job whose caller gave up: %v, want context.Canceled", err)
			}
		case 3:
			if err == nil || err.Error() != "refused" {
				t.Errorf("the refused job: %v", err)
			}
		default:
			if err != nil {
				t.Errorf("job %d: %v", i, err)
			}
		}
	}
}

// Stop lets the batch in flight finish, fails the queued jobs with ErrClosed, and later calls
// fail at once.
func TestStopFailsQueuedJobs(t *testing.T) {
	q, release, batches := held(t, 8)
	first := make(chan error, 1)
	go func() { first <- q.Do(context.Background(), 0) }()
	queued := make(chan error, 2)
	for len(batches()) == 0 { // the first job is in its batch
		time.Sleep(time.Millisecond)
	}
	for i := 1; i <= 2; i++ {
		go func() { queued <- q.Do(context.Background(), i) }()
		waitLen(t, q, i)
	}
	stopped := make(chan struct{})
	go func() { q.Stop(); close(stopped) }()
	for !isClosed(q.quit) {
		time.Sleep(time.Millisecond)
	}
	release()
	<-stopped
	if err := <-first; err != nil {
		t.Errorf("the job in flight at Stop: %v", err)
	}
	for range 2 {
		if err := <-queued; !errors.Is(err, ErrClosed) {
			t.Errorf("a job queued at Stop: %v, want ErrClosed", err)
		}
	}
	if err := q.Do(context.Background(), 9); !errors.Is(err, ErrClosed) {
		t.Errorf("Do after Stop: %v, want ErrClosed", err)
	}
}

func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
