// Command gen writes docs/lifecycle.md from the domain's own tables (the lifecycle, the roles and
// what they may see, the measures), so that the document cannot drift from the code: the test of
// this package fails when the file is stale. Run it with `go generate ./docs`.
package main

import (
	"fmt"
	"os"
)

func main() {
	out := "lifecycle.md"
	if len(os.Args) > 1 {
		out = os.Args[1]
	}
	if err := os.WriteFile(out, Lifecycle(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
