package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"cityhub/dispatcher"
	"cityhub/refdata"
)

// runImport loads a reference-data folder (units, categories, calendar, jurisdictions, people).
func runImport(ctx context.Context, args []string, stdout io.Writer) error {
	var cfg Config
	fs := flagSet("import", &cfg)
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageError{"import: name one reference-data folder\n" + usage}
	}
	ref, err := refdata.LoadDir(rest[0])
	if err != nil {
		return err
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	n, err := importReference(ctx, store, cfg, ref, "")
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %s: %d units, %d categories, %d accounts\n", ref.District,
		len(ref.Units), len(ref.Catalogue.Categories()), n)
	return nil
}

// importReference saves reference data and creates or updates its people's accounts. Existing
// accounts keep their password unless one is given.
// The service is opened with the command's configuration: it also opens the attachments' store,
// which lives beside the database.
func importReference(ctx context.Context, store dispatcher.Store, cfg Config, ref *dispatcher.Reference, password string) (int, error) {
	if err := store.SaveReference(ctx, ref); err != nil {
		return 0, err
	}
	svc, err := newService(ctx, store, cfg, slog.Default(), nil)
	if err != nil {
		return 0, err
	}
	return importAccounts(ctx, svc, ref, password)
}

// importAccounts creates or updates the accounts of the reference data's people, through a
// service on the store that holds ref.
func importAccounts(ctx context.Context, svc *dispatcher.Service, ref *dispatcher.Reference, password string) (int, error) {
	store := svc.Store()
	hash := ""
	var err error
	if password != "" { // one bcrypt for everyone: the demo accounts share a password
		if hash, err = dispatcher.HashPassword(password); err != nil {
			return 0, err
		}
	}
	for _, p := range ref.People {
		a := &dispatcher.Account{Login: p.Login, Name: p.Name, Role: p.Role, Unit: p.Unit, Certificate: p.Certificate, PasswordHash: hash}
		if old, err := store.Account(ctx, p.Login); err == nil {
			a.Disabled, a.CreatedAt = old.Disabled, old.CreatedAt // an import does not re-enable an account
			if hash == "" {
				a.PasswordHash = old.PasswordHash
			}
		}
		if err := svc.PutAccount(ctx, a, ""); err != nil {
			return 0, fmt.Errorf("account %s: %w", p.Login, err)
		}
	}
	return len(ref.People), nil
}

// runToken issues a console token for an account; stdout carries only the token.
func runToken(ctx context.Context, args []string, stdout io.Writer) error {
	return runIssue(ctx, args, stdout, "token create", "login", "the account",
		func(svc *dispatcher.Service, login string) (string, error) { return svc.CreateToken(ctx, login) })
}

// runIssue runs a command that takes one required flag and prints the secret that issue makes of
// it, and nothing else, so that scripts can take it from stdout.
func runIssue(ctx context.Context, args []string, stdout io.Writer, command, flag, help string,
	issue func(svc *dispatcher.Service, value string) (string, error)) error {
	var cfg Config
	var value string
	fs := flagSet(command, &cfg)
	fs.StringVar(&value, flag, "", help)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if value == "" {
		return usageError{command + ": --" + flag + " is required\n" + usage}
	}
	return withService(ctx, cfg, func(svc *dispatcher.Service) error {
		secret, err := issue(svc, value)
		if err == nil {
			fmt.Fprintln(stdout, secret)
		}
		return err
	})
}

func withService(ctx context.Context, cfg Config, fn func(*dispatcher.Service) error) error {
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	svc, err := newService(ctx, store, cfg, slog.Default(), nil)
	if err != nil {
		return err
	}
	return fn(svc)
}
