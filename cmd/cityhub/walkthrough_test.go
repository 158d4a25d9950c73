package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestWalkthrough runs docs/walkthrough.md as a new user would, against a fresh hub: every ```sh
// block in order, in one shell, from a directory laid out like a clone after `make run` (the
// binary at ./bin/cityhub, the data in ./data). A block followed by a ```text block must print
// exactly that text. The ```sh server block is the hub itself, which the test starts.
func TestWalkthrough(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("the walkthrough needs curl: install it (Debian: apt-get install curl)")
	}
	blocks := walkthroughBlocks(t, "../../docs/walkthrough.md")
	h := startHubOn(t, "")
	work := t.TempDir()
	buildInto(t, filepath.Join(work, "bin", "cityhub"))
	if err := os.Symlink(h.m.Config.DataDir, filepath.Join(work, "data")); err != nil {
		t.Fatal(err)
	}
	outputs := runBlocks(t, work, blocks, "HUB="+h.base, "PASSWORD=secret-pw")
	for i, b := range blocks {
		if b.want != nil && outputs[i] != *b.want {
			t.Errorf("block %d printed:\n%s\nthe walkthrough says:\n%s\nthe block:\n%s", i+1, outputs[i], *b.want, b.script)
		}
	}
}

// docBlock is one ```sh block of a document and the ```text block that follows it, if any.
type docBlock struct {
	script string
	want   *string
}

func walkthroughBlocks(t *testing.T, path string) []docBlock {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var blocks []docBlock
	var kind string // the info string of the fence we are in, "" outside
	var body strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case kind == "" && strings.HasPrefix(line, "```"):
			kind, body = strings.TrimPrefix(line, "```"), strings.Builder{}
		case kind != "" && line == "```":
			blocks = closeBlock(blocks, kind, body.String())
			kind = ""
		case kind != "":
			body.WriteString(line + "\n")
		}
	}
	if len(blocks) < 8 {
		t.Fatalf("%s: only %d runnable blocks", path, len(blocks))
	}
	return blocks
}

// closeBlock adds a finished fence: a sh block to run, or the expected output of the one before.
func closeBlock(blocks []docBlock, kind, body string) []docBlock {
	switch kind {
	case "sh":
		return append(blocks, docBlock{script: body})
	case "text":
		if n := len(blocks); n > 0 && blocks[n-1].want == nil {
			blocks[n-1].want = &body
		}
	}
	return blocks // "sh server" and other fences are not run
}

// runBlocks runs the blocks in one bash, in dir, and returns what each printed. A block that fails
// ends the shell: the test names it.
func runBlocks(t *testing.T, dir string, blocks []docBlock, env ...string) []string {
	t.Helper()
	const marker = "@@walkthrough-block@@"
	var script strings.Builder
	script.WriteString("set -e\n")
	for _, b := range blocks {
		script.WriteString("echo " + marker + "\n" + b.script)
	}
	cmd := exec.Command("bash", "-c", script.String())
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	parts := strings.Split(string(out), marker+"\n")[1:]
	if err != nil || len(parts) != len(blocks) {
		failed := len(parts)
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("block %d failed (%v): %s\n%s", failed, err, stderr, blocks[max(failed-1, 0)].script)
	}
	return parts
}

// buildInto builds this command into path, as `make build` does.
func buildInto(t *testing.T, path string) {
	t.Helper()
	cmd := exec.Command("go", "build", "-o", path, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
}
