package dispatcher

import (
	"context"

	"golang.org/x/crypto/bcrypt"
)

// Hooks for the tests of package dispatcher_test.

// TryAct runs everything Act checks and does for an action on a fresh copy of the stored case, and
// writes nothing: whether Act would accept the request now. Tests use it to probe every action of
// every role on one situation.
func (s *Service) TryAct(ctx context.Context, actor Actor, caseID int64, req ActionRequest) error {
	c, err := s.caseFor(ctx, actor, caseID)
	if err != nil {
		return err
	}
	return newChange(ctx, s, c, actor, s.Now()).apply(req)
}

// CountPasswordChecks records the bcrypt cost of every hash a password is compared with, until
// restore is called.
func CountPasswordChecks() (costs *[]int, restore func()) {
	var got []int
	real := comparePassword
	comparePassword = func(hash, password []byte) error {
		cost, _ := bcrypt.Cost(hash)
		got = append(got, cost)
		return real(hash, password)
	}
	return &got, func() { comparePassword = real }
}
