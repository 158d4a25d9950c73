// Package console carries the consoles' built front end (Vue 3, built by `make build` from the
// sources in this directory into dist/app) inside the Go binary, and serves it: hashed assets as
// immutable files, pre-compressed at build time (brotli and gzip, sent as they are), and the
// application's page for every console path.
package console

import (
	"embed"
	"io/fs"
)

// dist holds dist/README.md always and dist/app once `make build` has run.
//
//go:embed all:dist
var dist embed.FS

// Files is the built application (index.html, assets/...), or nil when the binary was built
// without running the front end's build.
func Files() fs.FS {
	app, err := fs.Sub(dist, "dist/app")
	if err != nil {
		return nil
	}
	if _, err := fs.Stat(app, "index.html"); err != nil {
		return nil
	}
	return app
}
