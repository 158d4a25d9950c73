package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"cityhub/dispatcher"

	"golang.org/x/mod/sumdb/tlog"
)

// runMigrate copies a district from one store to another (typically SQLite to PostgreSQL),
// keeping case numbers, event ids and hash chains, then verifies the copy's chains.
func runMigrate(ctx context.Context, args []string, stdout io.Writer) error {
	var from, to string
	var cfg Config
	fs := flagSet("migrate", &cfg)
	fs.StringVar(&from, "from", "", "source store DSN")
	fs.StringVar(&to, "to", "", "target store DSN (must be empty)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if from == "" || to == "" {
		return usageError{"migrate: --from and --to are required\n" + usage}
	}
	src, err := openStore(ctx, Config{DB: from, DataDir: cfg.DataDir})
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	defer src.Close()
	dst, err := openStore(ctx, Config{DB: to, DataDir: cfg.DataDir})
	if err != nil {
		return fmt.Errorf("target: %w", err)
	}
	defer dst.Close()
	start := time.Now()
	n, err := copyDistrict(ctx, src, dst, stdout)
	if err != nil {
		return err
	}
	files, err := copyAttachments(ctx, src, dst, Config{DB: from, DataDir: cfg.DataDir}, Config{DB: to, DataDir: cfg.DataDir})
	if err != nil {
		return fmt.Errorf("attachments: %w", err)
	}
	if files > 0 {
		fmt.Fprintf(stdout, "copied %d attachments\n", files)
	}
	owed, err := copyOutbox(ctx, src, dst)
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	if owed > 0 {
		fmt.Fprintf(stdout, "copied %d messages still to send\n", owed)
	}
	cases, events, err := dispatcher.AuditStore(ctx, dst)
	if err != nil {
		return fmt.Errorf("the copy does not verify: %w", err)
	}
	fmt.Fprintf(stdout, "migrated %d cases, %d events in %s; audit of the copy: ok\n", n, events, time.Since(start).Round(time.Millisecond))
	_ = cases
	return nil
}

// copyDistrict copies reference data, accounts, api keys, the admin log, cases with their events,
// and tallies.
func copyDistrict(ctx context.Context, src, dst dispatcher.Store, progress io.Writer) (int, error) {
	exp, ok1 := src.(dispatcher.Exporter)
	imp, ok2 := dst.(dispatcher.Importer)
	if !ok1 || !ok2 {
		return 0, fmt.Errorf("this pair of stores cannot copy a district (the source must export, the target import)")
	}
	if err := requireEmpty(ctx, dst); err != nil {
		return 0, err
	}
	if err := copyReferenceAndAccounts(ctx, src, dst); err != nil {
		return 0, err
	}
	if err := copyAdminLog(ctx, src, dst); err != nil {
		return 0, err
	}
	if err := copyDisplays(ctx, src, imp); err != nil {
		return 0, err
	}
	n, err := copyCases(ctx, src, imp, progress)
	if err != nil {
		return n, err
	}
	if err := copyTallies(ctx, exp, imp); err != nil {
		return n, err
	}
	if err := copyLog(ctx, src, dst, exp, imp); err != nil {
		return n, err
	}
	return n, imp.FinishImport(ctx)
}

func requireEmpty(ctx context.Context, dst dispatcher.Store) error {
	if _, err := dst.Reference(ctx); dispatcher.ErrorCode(err) != dispatcher.ENotFound {
		if err != nil {
			return fmt.Errorf("target: %w", err)
		}
		return fmt.Errorf("the target store is not empty: it already holds reference data")
	}
	ids, err := dst.CaseIDs(ctx, 0, 1)
	if err != nil {
		return fmt.Errorf("target: %w", err)
	}
	if len(ids) > 0 {
		return fmt.Errorf("the target store is not empty: it already holds cases")
	}
	return nil
}

func copyReferenceAndAccounts(ctx context.Context, src, dst dispatcher.Store) error {
	ref, err := src.Reference(ctx)
	if err != nil {
		return fmt.Errorf("source reference data: %w", err)
	}
	if err := dst.SaveReference(ctx, ref); err != nil {
		return err
	}
	accounts, err := src.Accounts(ctx)
	if err != nil {
		return err
	}
	for _, a := range accounts {
		if err := dst.PutAccount(ctx, a); err != nil {
			return err
		}
	}
	keys, err := src.APIKeys(ctx)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := dst.PutAPIKey(ctx, *k); err != nil {
			return err
		}
	}
	return nil
}

// copyDisplays copies the display screens' tokens, so that the screens stay signed in.
func copyDisplays(ctx context.Context, src dispatcher.Store, imp dispatcher.Importer) error {
	ds, err := src.DisplayTokens(ctx)
	if err != nil {
		return err
	}
	return imp.ImportDisplayTokens(ctx, ds)
}

// copyAdminLog copies the admin log, oldest entry first (the copy numbers them anew, in the same
// order). An admin log is short: a few entries a week.
func copyAdminLog(ctx context.Context, src, dst dispatcher.Store) error {
	var all []*dispatcher.AdminEntry
	for before := int64(0); ; {
		page, err := src.AdminLog(ctx, dispatcher.AdminLogFilter{Before: before, Limit: 1000})
		if err != nil {
			return fmt.Errorf("source admin log: %w", err)
		}
		all = append(all, page...)
		if len(page) < 1000 {
			break
		}
		before = page[len(page)-1].ID
	}
	for i := len(all) - 1; i >= 0; i-- {
		if _, err := dst.WriteAdmin(ctx, dispatcher.AdminWrite{Entry: all[i]}); err != nil {
			return err
		}
	}
	return nil
}

// copyCases pages through the source's cases in id order, 500 at a time.
func copyCases(ctx context.Context, src dispatcher.Store, imp dispatcher.Importer, progress io.Writer) (int, error) {
	var after int64
	total := 0
	for {
		ids, err := src.CaseIDs(ctx, after, 500)
		if err != nil || len(ids) == 0 {
			return total, err
		}
		cases, events, err := readCases(ctx, src, ids)
		if err != nil {
			return total, err
		}
		if err := imp.ImportCases(ctx, cases, events); err != nil {
			return total, err
		}
		total += len(ids)
		after = ids[len(ids)-1]
		if total%10000 < len(ids) {
			fmt.Fprintf(progress, "copied %d cases\n", total)
		}
	}
}

func readCases(ctx context.Context, src dispatcher.Store, ids []int64) ([]*dispatcher.Case, [][]*dispatcher.Event, error) {
	cases := make([]*dispatcher.Case, 0, len(ids))
	events := make([][]*dispatcher.Event, 0, len(ids))
	for _, id := range ids {
		c, err := src.Case(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		evs, err := src.CaseEvents(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		cases, events = append(cases, c), append(events, evs)
	}
	return cases, events, nil
}

func copyTallies(ctx context.Context, exp dispatcher.Exporter, imp dispatcher.Importer) error {
	var batch []dispatcher.TallyRecord
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := imp.ImportTallies(ctx, batch)
		batch = batch[:0]
		return err
	}
	err := exp.ExportTallies(ctx, func(r dispatcher.TallyRecord) error {
		batch = append(batch, r)
		if len(batch) >= 5000 {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

// copyLog copies the district-wide log as it is kept (its leaves and tree hashes, not rebuilt
// from the copied events, so that the copy's audit checks the one against the other) and the
// signed checkpoints, so that a checkpoint published before the move still verifies after it.
func copyLog(ctx context.Context, src, dst dispatcher.Store, exp dispatcher.Exporter, imp dispatcher.Importer) error {
	const batch = 20000
	var leaves []dispatcher.LogLeaf
	err := exp.ExportLog(ctx, func(l dispatcher.LogLeaf) error {
		if leaves = append(leaves, l); len(leaves) == batch {
			err := imp.ImportLog(ctx, leaves, 0, nil)
			leaves = leaves[:0]
			return err
		}
		return nil
	})
	if err == nil && len(leaves) > 0 {
		err = imp.ImportLog(ctx, leaves, 0, nil)
	}
	if err != nil {
		return err
	}
	if err := copyLogHashes(ctx, exp, imp, batch); err != nil {
		return err
	}
	return copyCheckpoints(ctx, src, dst)
}

func copyLogHashes(ctx context.Context, exp dispatcher.Exporter, imp dispatcher.Importer, batch int) error {
	var first int64
	var hashes []tlog.Hash
	err := exp.ExportLogHashes(ctx, func(idx int64, h tlog.Hash) error {
		if len(hashes) == 0 {
			first = idx
		}
		if idx != first+int64(len(hashes)) { // a gap: write what runs up to it
			if err := imp.ImportLog(ctx, nil, first, hashes); err != nil {
				return err
			}
			first, hashes = idx, hashes[:0]
		}
		if hashes = append(hashes, h); len(hashes) == batch {
			err := imp.ImportLog(ctx, nil, first, hashes)
			hashes = hashes[:0]
			return err
		}
		return nil
	})
	if err == nil && len(hashes) > 0 {
		err = imp.ImportLog(ctx, nil, first, hashes)
	}
	return err
}

func copyCheckpoints(ctx context.Context, src, dst dispatcher.Store) error {
	from, ok1 := src.(dispatcher.LogStore)
	to, ok2 := dst.(dispatcher.LogStore)
	if !ok1 || !ok2 {
		return fmt.Errorf("this pair of stores cannot copy the audit log's checkpoints")
	}
	cs, err := from.Checkpoints(ctx)
	if err != nil {
		return err
	}
	for _, c := range cs {
		if err := to.PutCheckpoint(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

// copyAttachments copies every uploaded file, its copies and its uploaders (the index of files to
// cases came with the cases), and returns how many files it copied.
func copyAttachments(ctx context.Context, src, dst dispatcher.Store, srcCfg, dstCfg Config) (int, error) {
	from, err := openMedia(src, srcCfg)
	if err != nil || from == nil {
		return 0, err
	}
	list, ok := from.(dispatcher.MediaLister)
	if !ok {
		return 0, fmt.Errorf("the source cannot list its attachments")
	}
	to, err := openMedia(dst, dstCfg)
	if err != nil {
		return 0, err
	}
	if to == nil {
		return 0, fmt.Errorf("the target keeps no attachments")
	}
	n := 0
	for after := ""; ; {
		hashes, err := list.MediaHashes(ctx, after, 100)
		if err != nil || len(hashes) == 0 {
			return n, err
		}
		for _, h := range hashes {
			if err := copyAttachment(ctx, from, list, to, h); err != nil {
				return n, fmt.Errorf("%s: %w", h, err)
			}
			n++
		}
		after = hashes[len(hashes)-1]
	}
}

// copyAttachment copies one file's record and copies, once per uploader.
func copyAttachment(ctx context.Context, from dispatcher.MediaStore, list dispatcher.MediaLister, to dispatcher.MediaStore, sha string) error {
	rec, err := from.Media(ctx, sha)
	if err != nil {
		return err
	}
	var content dispatcher.MediaContent
	for v, dst := range map[dispatcher.MediaVariant]*[]byte{dispatcher.MediaOriginal: &content.Original,
		dispatcher.MediaPublic: &content.Public, dispatcher.MediaThumbnail: &content.Thumbnail} {
		f, err := from.OpenMedia(ctx, sha, v)
		if dispatcher.ErrorCode(err) == dispatcher.ENotFound && v != dispatcher.MediaOriginal {
			continue // a video has only its original
		}
		if err != nil {
			return err
		}
		*dst, err = io.ReadAll(f)
		f.Close()
		if err != nil {
			return err
		}
	}
	uploaders, err := list.MediaUploaders(ctx, sha)
	if err != nil {
		return err
	}
	for _, login := range uploaders {
		if err := to.PutMedia(ctx, rec, content, login); err != nil {
			return err
		}
	}
	return nil
}

// copyOutbox copies the messages still owed to citizens (dispatcher.Outbox), so that the notices
// queued before the move are sent after it. They start afresh: their attempts and last error are
// not copied. The messages already sent or given up stay behind, and so does the KV: it holds
// only what is short-lived (conversations in progress, claimed message ids, a cached access
// token), which the channels rebuild.
func copyOutbox(ctx context.Context, src, dst dispatcher.Store) (int, error) {
	from, ok1 := src.(interface {
		OutboxPending(ctx context.Context) ([]dispatcher.OutboxItem, error)
	})
	to, ok2 := dst.(dispatcher.Outbox)
	if !ok1 || !ok2 {
		return 0, nil
	}
	items, err := from.OutboxPending(ctx)
	if err != nil || len(items) == 0 {
		return 0, err
	}
	return len(items), to.OutboxAdd(ctx, items)
}
