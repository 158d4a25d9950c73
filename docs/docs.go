// Package docs is the hub's documentation, embedded in the binary so that a running hub serves it
// at /docs/ even on a network without the internet.
package docs

import "embed"

// Files holds every Markdown document of this folder.
//
//go:embed *.md
var Files embed.FS

//go:generate go run ./gen lifecycle.md
