package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The measures' definitions are the comments on their constants in package dispatcher (the rates in
// measures.go, the day counters in tally.go): the generator reads them from the source, so the
// document says exactly what the code's comments say, next to the code that computes them.

// measure is one constant: its value (the name the API uses) and its comment.
type measure struct{ value, doc string }

func writeMeasures(b *bytes.Buffer) {
	b.WriteString("## Measures · 统计口径\n\nEvery measure is computed from day counters kept with the events that count them, for the district and per unit, jurisdiction, category and channel; a rate is null when its denominator is zero. The definitions are the comments on the constants in `dispatcher/measures.go` (rates) and `dispatcher/tally.go` (counters).\n\n")
	b.WriteString("### Rates\n\n| rate | definition |\n|---|---|\n")
	for _, m := range constants("measures.go", "Rate") {
		fmt.Fprintf(b, "| `%s` | %s |\n", m.value, m.doc)
	}
	b.WriteString("\n### Counters\n\n| counter | what it counts |\n|---|---|\n")
	for _, m := range constants("tally.go", "M") {
		fmt.Fprintf(b, "| `%s` | %s |\n", m.value, orDash(m.doc))
	}
	b.WriteString("\n")
}

// constants reads the string constants of dispatcher/<file> whose names start with prefix, in
// source order, with their comments joined into one line (the constant's own name left out).
func constants(file, prefix string) []measure {
	path := filepath.Join(moduleRoot(), "dispatcher", file)
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ParseComments)
	if err != nil {
		panic(fmt.Sprintf("reading %s: %v", path, err))
	}
	var out []measure
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			if m, ok := constant(spec.(*ast.ValueSpec), prefix); ok {
				out = append(out, m)
			}
		}
	}
	return out
}

func constant(vs *ast.ValueSpec, prefix string) (measure, bool) {
	if len(vs.Names) != 1 || len(vs.Values) != 1 || !strings.HasPrefix(vs.Names[0].Name, prefix) {
		return measure{}, false
	}
	lit, ok := vs.Values[0].(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return measure{}, false
	}
	value, _ := strconv.Unquote(lit.Value)
	doc := vs.Doc.Text() + vs.Comment.Text()
	doc = strings.Join(strings.Fields(doc), " ")
	doc = strings.TrimPrefix(doc, vs.Names[0].Name+" ")
	return measure{value: value, doc: doc}, true
}

// moduleRoot is the directory of go.mod above the working directory (go generate runs in docs/,
// the test in docs/gen/).
func moduleRoot() string {
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			panic("go.mod not found above the working directory")
		}
		dir = parent
	}
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
