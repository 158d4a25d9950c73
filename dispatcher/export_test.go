package dispatcher

import "golang.org/x/crypto/bcrypt"

// Hooks for the tests of package dispatcher_test.

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
