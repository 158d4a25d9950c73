// Package testref gives tests the Qijiang demo district's reference data and its router, built
// once per test binary: the router's H3 index takes a moment to build.
package testref

import (
	"sync"
	"testing"

	"cityhub/dispatcher"
	"cityhub/refdata"
)

var shared struct {
	once   sync.Once
	ref    *dispatcher.Reference
	router *dispatcher.RoutingPolicy
	err    error
}

// Qijiang returns the demo district's reference data and router, shared by the tests of a binary
// (neither may be changed).
func Qijiang(t testing.TB) (*dispatcher.Reference, *dispatcher.RoutingPolicy) {
	t.Helper()
	shared.once.Do(func() {
		shared.ref, shared.err = refdata.Qijiang()
		if shared.err == nil {
			shared.router, shared.err = dispatcher.NewRoutingPolicy(shared.ref)
		}
	})
	if shared.err != nil {
		t.Fatalf("qijiang: %v", shared.err)
	}
	return shared.ref, shared.router
}
