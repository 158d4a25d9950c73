package main

import (
	"bytes"
	"os"
	"testing"
)

// TestLifecycleDocumentIsCurrent: docs/lifecycle.md says what the code does.
func TestLifecycleDocumentIsCurrent(t *testing.T) {
	got, err := os.ReadFile("../lifecycle.md")
	if err != nil {
		t.Fatalf("docs/lifecycle.md: %v (run go generate ./docs)", err)
	}
	if !bytes.Equal(got, Lifecycle()) {
		t.Fatal("docs/lifecycle.md is stale: the lifecycle table, the roles or the measures changed; run go generate ./docs and commit the result")
	}
}
