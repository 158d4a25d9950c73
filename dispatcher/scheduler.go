package dispatcher

import (
	"context"
	"time"
)

// Tick writes the deadline marks that are due: a warning at 80% of a limit, and at 100% an
// overdue mark with an automatic supervision. Several hub instances may tick at once: a mark is
// written by whoever wins the case's version race, so each is written exactly once.
func (s *Service) Tick(ctx context.Context) (int, error) {
	now := s.Now()
	ids, err := s.store.DueCases(ctx, now, 500)
	if err != nil {
		return 0, err
	}
	written := 0
	for _, id := range ids {
		n, err := s.tickCase(ctx, id, now)
		if err != nil && ErrorCode(err) != EConflict {
			return written, err
		}
		written += n
	}
	return written, nil
}

func (s *Service) tickCase(ctx context.Context, id int64, now time.Time) (int, error) {
	c, err := s.store.Case(ctx, id)
	if err != nil {
		return 0, err
	}
	prev := c.Version
	tx := newChange(ctx, s, c, SystemActor, now)
	c.Clocks.Each(func(name string, k *Clock) { tx.markClock(name, k) })
	tx.finish()
	if len(tx.events) == 0 {
		// Nothing due after all (the case moved on); store the recomputed NextDue.
		return 0, s.store.UpdateCase(ctx, c, prev, nil, tx.tallies)
	}
	if err := s.store.UpdateCase(ctx, c, prev, tx.events, tx.tallies); err != nil {
		return 0, err
	}
	s.publish(ctx, tx.events)
	return len(tx.events), nil
}

// markClock records whichever mark of one clock is due now.
func (tx *change) markClock(name string, k *Clock) {
	if !k.Running() || k.Overdue {
		return
	}
	data := map[string]any{"clock": name, "deadline": k.Deadline, "limit": k.Limit}
	switch {
	case !tx.now.Before(k.Deadline):
		k.Warned, k.Overdue = true, true
		if name == ClockAcknowledge {
			tx.tally(MAckDue, 1) // unacknowledged at its deadline: it fell due (see MAckDue)
		}
		tx.mark(ActDeadlineMissed, data)
		tx.mark(ActSupervise, map[string]any{"automatic": true, "clock": name,
			"text": "超期自动督办：" + ClockLabel(name) + "超期"})
	case !k.Warned && !tx.now.Before(k.WarnAt):
		k.Warned = true
		tx.mark(ActDeadlineWarn, data)
	}
}

func (tx *change) mark(action string, data map[string]any) {
	t, _ := TransitionFor(action)
	tx.record(t, ActionRequest{Action: action}, data)
}

// RunScheduler ticks every interval until ctx ends.
func (s *Service) RunScheduler(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.Tick(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("deadline scheduler", "err", err)
			}
		}
	}
}
