package main

import (
	"os"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"cityhub/dispatcher"
)

// TestMain runs the end-to-end tests with bcrypt at its lowest cost: they sign in and set
// passwords hundreds of times, and at the default cost each takes most of a second under the race
// detector. What they test (who may sign in, when, how often) does not depend on the cost.
func TestMain(m *testing.M) {
	dispatcher.PasswordCost = bcrypt.MinCost
	os.Exit(m.Run())
}
