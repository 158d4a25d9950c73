package storetest_test

import (
	"testing"

	"cityhub/dispatcher"
	"cityhub/storetest"
)

// The suite holds for the reference implementation.
func TestMemoryKV(t *testing.T) {
	storetest.KV(t, dispatcher.NewMemoryKV(nil))
}
