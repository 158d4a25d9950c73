package dispatcher

import "time"

// Clock names.
const (
	ClockRegistration = "registration" // intake -> registered (or otherwise decided)
	ClockAcknowledge  = "acknowledge"  // dispatch -> acknowledged
	ClockHandling     = "handling"     // dispatch -> resolved
	ClockChecking     = "checking"     // resolved -> passed or reworked
)

// Clock is one running or finished time limit on a case.
type Clock struct {
	Limit       Limit      `json:"limit"`
	StartedAt   time.Time  `json:"started_at"`
	Deadline    time.Time  `json:"deadline"`
	WarnAt      time.Time  `json:"warn_at"`
	Warned      bool       `json:"warned,omitempty"`
	Overdue     bool       `json:"overdue,omitempty"`
	StoppedAt   *time.Time `json:"stopped_at,omitempty"`
	SuspendedAt *time.Time `json:"suspended_at,omitempty"`
	// Earlier deadlines, oldest first, kept when an extension or a suspension moves the deadline.
	History []time.Time `json:"history,omitempty"`
	// Extended is the extra time approved so far, in the limit's unit: the clock counts
	// Limit.Value + Extended of it in all.
	Extended int `json:"extended,omitempty"`
}

// Running reports whether the clock counts (started, not stopped, not suspended).
func (c *Clock) Running() bool { return c != nil && c.StoppedAt == nil && c.SuspendedAt == nil }

// OnTime reports whether a stopped clock stopped by its deadline.
func (c *Clock) OnTime() bool {
	return c != nil && c.StoppedAt != nil && !c.StoppedAt.After(c.Deadline)
}

// Clocks are the four clocks of a case; nil until started.
type Clocks struct {
	Registration *Clock `json:"registration,omitempty"`
	Acknowledge  *Clock `json:"acknowledge,omitempty"`
	Handling     *Clock `json:"handling,omitempty"`
	Checking     *Clock `json:"checking,omitempty"`
}

// Each calls fn for every started clock with its name, in a fixed order.
func (cs *Clocks) Each(fn func(name string, c *Clock)) {
	for _, nc := range []struct {
		name string
		c    *Clock
	}{{ClockRegistration, cs.Registration}, {ClockAcknowledge, cs.Acknowledge},
		{ClockHandling, cs.Handling}, {ClockChecking, cs.Checking}} {
		if nc.c != nil {
			fn(nc.name, nc.c)
		}
	}
}
