package dispatcher

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Checkpoints are signed notes (golang.org/x/mod/sumdb/note, Ed25519) whose text is a C2SP
// tlog-checkpoint: the log's origin (the signing key's name), its size in leaves, and its root
// hash in base64, one per line:
//
//	cityhub.example/qijiang
//	1200
//	mT1U+0S8P8C3jcnmwMY7gkmMXTuY3bHtO0tfOfl9Nz4=
//
//	— cityhub.example/qijiang 3mkEVfBCn2...
//
// The signing key never enters the database: it is a file of the operator's (cityhub audit
// keygen), and anyone who holds the verifier key (the public half, which the bureau publishes
// with its checkpoints) can check them.

// DefaultOrigin is the log's name when the operator gives none.
const DefaultOrigin = "cityhub.audit"

// NewAuditKey makes a signing key for the log named origin, and its verifier key.
func NewAuditKey(origin string) (skey, vkey string, err error) {
	return note.GenerateKey(rand.Reader, origin)
}

// AuditVerifierKey derives the verifier key from a signing key.
func AuditVerifierKey(skey string) (string, error) {
	signer, err := note.NewSigner(skey)
	if err != nil {
		return "", fmt.Errorf("audit key: %w", err)
	}
	parts := strings.SplitN(skey, "+", 5) // PRIVATE+KEY+name+hash+key (base64, which may hold a +)
	key, err := base64.StdEncoding.DecodeString(parts[len(parts)-1])
	if err != nil || len(key) != 1+ed25519.SeedSize {
		return "", errors.New("audit key: not an Ed25519 signing key")
	}
	pub := ed25519.NewKeyFromSeed(key[1:]).Public().(ed25519.PublicKey)
	return note.NewEd25519VerifierKey(signer.Name(), pub)
}

// CheckpointText is the checkpoint's text before signing.
func CheckpointText(origin string, size int64, root tlog.Hash) string {
	return fmt.Sprintf("%s\n%d\n%s\n", origin, size, base64.StdEncoding.EncodeToString(root[:]))
}

// parseCheckpointText reads the three lines of a checkpoint (further lines are extensions,
// which this log does not write and ignores).
func parseCheckpointText(text string) (origin string, size int64, root tlog.Hash, err error) {
	lines := strings.SplitN(text, "\n", 4)
	if len(lines) < 4 {
		return "", 0, root, errors.New("a checkpoint has an origin, a size and a root hash, one per line")
	}
	size, err = strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 {
		return "", 0, root, fmt.Errorf("checkpoint size %q is not a number", lines[1])
	}
	b, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(b) != tlog.HashSize {
		return "", 0, root, fmt.Errorf("checkpoint root hash %q is not a base64 SHA-256 hash", lines[2])
	}
	copy(root[:], b)
	return lines[0], size, root, nil
}

// OpenCheckpoint checks a signed checkpoint against the verifier key vkey and returns it.
func OpenCheckpoint(msg []byte, vkey string) (Checkpoint, error) {
	v, err := note.NewVerifier(strings.TrimSpace(vkey))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("verifier key: %w", err)
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("the checkpoint is not signed by %s: %w", v.Name(), err)
	}
	origin, size, root, err := parseCheckpointText(n.Text)
	if err != nil {
		return Checkpoint{}, err
	}
	if origin != v.Name() {
		return Checkpoint{}, fmt.Errorf("the checkpoint is of log %q, the key of log %q", origin, v.Name())
	}
	return Checkpoint{Size: size, Root: root, Note: string(msg)}, nil
}

// openPublished opens the checkpoint the audit is given, if any.
func openPublished(opts AuditOptions) (*Checkpoint, error) {
	if len(opts.Checkpoint) == 0 {
		return nil, nil
	}
	if opts.VerifierKey == "" {
		return nil, errors.New("a checkpoint needs the verifier key that checks its signature")
	}
	c, err := OpenCheckpoint(opts.Checkpoint, opts.VerifierKey)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// SignCheckpoint appends the events not yet in the log, then signs and keeps a checkpoint of the
// log if it grew since the latest one signed by skey, and returns the latest checkpoint. It
// refuses to sign a log that does not extend that latest checkpoint (run the audit: something
// was changed).
func SignCheckpoint(ctx context.Context, ls LogStore, skey string, now time.Time) (Checkpoint, error) {
	signer, err := note.NewSigner(strings.TrimSpace(skey))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("audit key: %w", err)
	}
	vkey, err := AuditVerifierKey(strings.TrimSpace(skey))
	if err != nil {
		return Checkpoint{}, err
	}
	if _, err := AppendLog(ctx, ls); err != nil {
		return Checkpoint{}, err
	}
	latest, err := latestSigned(ctx, ls, vkey)
	if err != nil {
		return Checkpoint{}, err
	}
	size, err := ls.LogSize(ctx)
	if err != nil {
		return Checkpoint{}, err
	}
	if latest != nil && latest.Size == size {
		return *latest, requireExtends(ctx, ls, size, *latest)
	}
	return signNew(ctx, ls, signer, size, latest, now)
}

// latestSigned is the largest kept checkpoint that vkey's key signed (nil if none).
func latestSigned(ctx context.Context, ls LogStore, vkey string) (*Checkpoint, error) {
	kept, err := ls.Checkpoints(ctx)
	if err != nil {
		return nil, err
	}
	for i := len(kept) - 1; i >= 0; i-- {
		if c, err := OpenCheckpoint([]byte(kept[i].Note), vkey); err == nil && c.Size == kept[i].Size && c.Root == kept[i].Root {
			return &kept[i], nil
		}
	}
	return nil, nil
}

// requireExtends proves that the stored log of size leaves extends checkpoint c.
func requireExtends(ctx context.Context, ls LogStore, size int64, c Checkpoint) error {
	r := storeHashes{ctx, ls}
	root, err := tlog.TreeHash(size, r)
	if err != nil {
		return err
	}
	if c.Size > size {
		return fmt.Errorf("the audit log holds %d leaves, fewer than checkpoint %d: run cityhub audit verify", size, c.Size)
	}
	proof, err := tlog.ProveTree(size, c.Size, r)
	if err == nil {
		err = tlog.CheckTree(proof, size, root, c.Size, c.Root)
	}
	if err != nil {
		return fmt.Errorf("the audit log does not extend checkpoint %d (%v): run cityhub audit verify", c.Size, err)
	}
	return nil
}

func signNew(ctx context.Context, ls LogStore, signer note.Signer, size int64, latest *Checkpoint, now time.Time) (Checkpoint, error) {
	if latest != nil {
		if err := requireExtends(ctx, ls, size, *latest); err != nil {
			return Checkpoint{}, err
		}
	}
	root, err := tlog.TreeHash(size, storeHashes{ctx, ls})
	if err != nil {
		return Checkpoint{}, err
	}
	msg, err := note.Sign(&note.Note{Text: CheckpointText(signer.Name(), size, root)}, signer)
	if err != nil {
		return Checkpoint{}, err
	}
	c := Checkpoint{Size: size, Root: root, Note: string(msg), CreatedAt: now.UTC().Truncate(time.Microsecond)}
	if err := ls.PutCheckpoint(ctx, c); err != nil {
		return Checkpoint{}, err
	}
	return c, nil
}
