package dispatcher

import "time"

// Limits used when the catalogue names none.
var (
	defaultRegisterLimit = Limit{Value: 2, Unit: WorkHour}
	defaultCheckLimit    = Limit{Value: 1, Unit: WorkDay}
)

func (s *Service) registerLimit() Limit {
	if l := s.Reference().Catalogue.RegisterLimit; l != nil && l.Valid() {
		return *l
	}
	return defaultRegisterLimit
}

func (s *Service) checkLimit() Limit {
	if l := s.Reference().Catalogue.CheckLimit; l != nil && l.Valid() {
		return *l
	}
	return defaultCheckLimit
}

// ackLimit is 1 work hour, or 30 natural minutes for urgent categories (from the catalogue).
func (s *Service) ackLimit(urgent bool) Limit {
	ack := s.Reference().Catalogue.AcknowledgeLimit
	if urgent && ack.Urgent != nil && ack.Urgent.Valid() {
		return *ack.Urgent
	}
	return ack.Limit
}

func (s *Service) startClock(now time.Time, l Limit) *Clock {
	cal := s.Calendar()
	return &Clock{Limit: l, StartedAt: now, Deadline: cal.Deadline(now, l).UTC(), WarnAt: cal.WarnAt(now, l).UTC()}
}

func stopClock(k *Clock, now time.Time) {
	if k != nil && k.StoppedAt == nil {
		t := now
		k.StoppedAt = &t
		k.SuspendedAt = nil
	}
}

// stopAll stops every clock (the case is finished or back at the centre).
func stopAll(c *Case, now time.Time) {
	c.Clocks.Each(func(_ string, k *Clock) { stopClock(k, now) })
}

// isNatural reports whether a limit counts wall time.
func isNatural(l Limit) bool { return l.Unit == NaturalHour || l.Unit == NaturalMinute }

// warnBetween is the 80% point of the span from start to deadline, in the limit's own measure.
func warnBetween(cal *Calendar, start, deadline time.Time, l Limit) time.Time {
	if isNatural(l) {
		return start.Add(deadline.Sub(start) * 8 / 10).UTC()
	}
	return cal.AddWork(start, cal.WorkBetween(start, deadline)*8/10).UTC()
}

// moveDeadline sets a new deadline, keeping the old one in the history, and re-arms the marks.
func moveDeadline(cal *Calendar, k *Clock, deadline time.Time) {
	k.History = append(k.History, k.Deadline)
	k.Deadline = deadline.UTC()
	k.WarnAt = warnBetween(cal, k.StartedAt, deadline, k.Limit)
	k.Warned, k.Overdue = false, false
}

func suspendClocks(c *Case, now time.Time) {
	c.Clocks.Each(func(_ string, k *Clock) {
		if k.Running() {
			t := now
			k.SuspendedAt = &t
		}
	})
}

// resumeClocks moves each suspended clock's marks later by the suspended span.
func resumeClocks(cal *Calendar, c *Case, now time.Time) {
	c.Clocks.Each(func(_ string, k *Clock) {
		if k.SuspendedAt == nil || k.StoppedAt != nil {
			return
		}
		from := *k.SuspendedAt
		k.SuspendedAt = nil
		k.History = append(k.History, k.Deadline)
		k.Deadline = cal.Shift(k.Deadline, k.Limit, from, now).UTC()
		k.WarnAt = cal.Shift(k.WarnAt, k.Limit, from, now).UTC()
	})
}

// nextDue is the earliest pending mark of any running clock.
func nextDue(c *Case) *time.Time {
	var next *time.Time
	c.Clocks.Each(func(_ string, k *Clock) {
		if !k.Running() || k.Overdue {
			return
		}
		due := k.Deadline
		if !k.Warned {
			due = k.WarnAt
		}
		if next == nil || due.Before(*next) {
			d := due
			next = &d
		}
	})
	return next
}
