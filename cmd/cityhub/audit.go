package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"cityhub/dispatcher"
)

// auditCommands are the verbs of `cityhub audit`.
var auditCommands = map[string]subcommand{
	"verify": runAuditVerify, "checkpoint": runAuditCheckpoint, "keygen": runAuditKeygen,
}

// auditKeyFlag declares --audit-key: the file of the key that signs checkpoints, which lives
// outside the database (by default audit.key in the data directory).
func auditKeyFlag(fs *flag.FlagSet) *string {
	return fs.String("audit-key", os.Getenv("CITYHUB_AUDIT_KEY"), "file of the checkpoint signing key (default: audit.key in the data directory)")
}

func auditKeyPath(flagValue string, cfg Config) string {
	if flagValue != "" {
		return flagValue
	}
	return filepath.Join(cfg.DataDir, "audit.key")
}

// readAuditKey reads the signing key from its file.
func readAuditKey(path string) (string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("no audit key at %s: create one with `cityhub audit keygen` (or name it with --audit-key)", path)
	}
	if err != nil {
		return "", fmt.Errorf("audit key: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// runAuditKeygen creates the signing key file (0600) and prints only the verifier key, which the
// bureau publishes with its checkpoints. It never overwrites a key.
func runAuditKeygen(ctx context.Context, args []string, stdout io.Writer) error {
	var cfg Config
	fs := flagSet("audit keygen", &cfg)
	keyFlag := auditKeyFlag(fs)
	origin := fs.String("origin", dispatcher.DefaultOrigin, "the log's name, first line of every checkpoint (e.g. audit.cgj.example.gov.cn/qijiang)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	path := auditKeyPath(*keyFlag, cfg)
	skey, vkey, err := dispatcher.NewAuditKey(*origin)
	if err != nil {
		return usageError{"audit keygen: --origin: " + err.Error()}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s exists already: an audit key is never overwritten (move it away first if you mean to replace it)", path)
	}
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintln(f, skey); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, vkey)
	return nil
}

// runAuditCheckpoint appends the events not yet in the district-wide log, signs a checkpoint of
// the log if it grew since the last one, and prints the latest signed checkpoint, for publication
// (stdout carries only the note).
func runAuditCheckpoint(ctx context.Context, args []string, stdout io.Writer) error {
	var cfg Config
	fs := flagSet("audit checkpoint", &cfg)
	keyFlag := auditKeyFlag(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	skey, err := readAuditKey(auditKeyPath(*keyFlag, cfg))
	if err != nil {
		return err
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	ls, ok := store.(dispatcher.LogStore)
	if !ok {
		return errors.New("this store keeps no audit log")
	}
	c, err := dispatcher.SignCheckpoint(ctx, ls, skey, time.Now())
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	fmt.Fprint(stdout, c.Note)
	return nil
}

// runAuditVerify checks the whole store (see dispatcher.Audit) and, with --since-checkpoint,
// proves that the log extends a checkpoint published earlier. It prints what it checked and every
// finding, and fails if there is any.
func runAuditVerify(ctx context.Context, args []string, stdout io.Writer) error {
	var cfg Config
	fs := flagSet("audit verify", &cfg)
	keyFlag := auditKeyFlag(fs)
	since := fs.String("since-checkpoint", "", "file of a signed checkpoint published earlier: prove that the log extends it")
	pubkey := fs.String("audit-pubkey", os.Getenv("CITYHUB_AUDIT_PUBKEY"), "verifier key of the checkpoints (the key itself or a file holding it; default: derived from the key file)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	opts, err := auditOptions(cfg, *keyFlag, *since, *pubkey)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	start := time.Now()
	rep, err := dispatcher.Audit(ctx, store, opts)
	if err != nil {
		return fmt.Errorf("audit failed: %w", err)
	}
	printReport(stdout, rep, time.Since(start))
	if !rep.OK() {
		n := len(rep.Findings) + rep.Omitted
		return fmt.Errorf("audit failed: %s; the first: %s", plural(n, "finding"), rep.Findings[0])
	}
	return nil
}

// auditOptions reads the published checkpoint and finds the verifier key: --audit-pubkey, or
// derived from the signing key file if there is one.
func auditOptions(cfg Config, keyFlag, since, pubkey string) (dispatcher.AuditOptions, error) {
	var opts dispatcher.AuditOptions
	var err error
	if since != "" {
		if opts.Checkpoint, err = os.ReadFile(since); err != nil {
			return opts, fmt.Errorf("--since-checkpoint: %w", err)
		}
	}
	switch {
	case pubkey != "":
		opts.VerifierKey = pubkey
		if b, err := os.ReadFile(pubkey); err == nil {
			opts.VerifierKey = strings.TrimSpace(string(b))
		}
	default:
		skey, err := readAuditKey(auditKeyPath(keyFlag, cfg))
		if err != nil && since != "" {
			return opts, fmt.Errorf("--since-checkpoint needs the verifier key: give --audit-pubkey (%v)", err)
		}
		if err == nil {
			if opts.VerifierKey, err = dispatcher.AuditVerifierKey(skey); err != nil {
				return opts, err
			}
		}
	}
	return opts, nil
}

func printReport(w io.Writer, r *dispatcher.AuditReport, took time.Duration) {
	fmt.Fprintf(w, "audit of %s and %s in %s\n", plural(r.Cases, "case"), plural(r.Events, "event"), took.Round(time.Millisecond))
	if r.LegacyEvents > 0 {
		fmt.Fprintf(w, "  %s (the last write of %s) predate hash version 2: their hashes do not cover the case summary, the visible units, the case's fields or the measures\n",
			plural(r.LegacyEvents, "event"), plural(r.LegacyCases, "case"))
	}
	fmt.Fprintf(w, "  measures: %s checked against the events' records", plural(r.Counters, "counter"))
	if r.CountersSkipped > 0 {
		fmt.Fprintf(w, " (%s of days with older events cannot be)", plural(r.CountersSkipped, "counter"))
	}
	fmt.Fprintf(w, "\n  log: %s, %s not appended yet; %s checked", plural(int(r.LogSize), "leaf"), plural(r.Unlogged, "event"),
		plural(r.Checkpoints, "kept checkpoint"))
	switch {
	case r.Checkpoints > 0 && r.SignaturesChecked:
		fmt.Fprint(w, ", their signatures too")
	case r.Checkpoints > 0:
		fmt.Fprint(w, " (not their signatures: no key given)")
	}
	fmt.Fprintln(w)
	if r.Published > 0 {
		fmt.Fprintf(w, "  the log extends the published checkpoint of %d events\n", r.Published)
	}
	if r.OK() {
		fmt.Fprintln(w, "audit ok")
		return
	}
	fmt.Fprintf(w, "audit FAILED: %s\n", plural(len(r.Findings)+r.Omitted, "finding"))
	for _, f := range r.Findings {
		fmt.Fprintln(w, "  - "+f)
	}
	if r.Omitted > 0 {
		fmt.Fprintf(w, "  ... and %d more\n", r.Omitted)
	}
}

// plural is "1 case", "2 cases", "3 leaves".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "f") {
		return fmt.Sprintf("%d %sves", n, strings.TrimSuffix(noun, "f"))
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
