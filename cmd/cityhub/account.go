package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"cityhub/dispatcher"
)

// accountCommands are the verbs of `cityhub account`.
var accountCommands = map[string]subcommand{
	"list":    runAccountList,
	"create":  runAccountCreate,
	"passwd":  runAccountPasswd,
	"disable": accountSetter("disable", true),
	"enable":  accountSetter("enable", false),
}

// runAccountList prints every account: login, role, unit, status, creation time and name.
func runAccountList(ctx context.Context, args []string, stdout io.Writer) error {
	var cfg Config
	fs := flagSet("account list", &cfg)
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return usageError{"account list: takes no arguments\n" + usage}
	}
	return withService(ctx, cfg, func(svc *dispatcher.Service) error {
		accounts, err := svc.Accounts(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "LOGIN\tROLE\tUNIT\tSTATUS\tCREATED\tNAME")
		for _, a := range accounts {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", printable(a.Login), a.Role, printable(a.Unit), accountStatus(a),
				a.CreatedAt.UTC().Format(time.RFC3339), printable(a.Name))
		}
		return w.Flush()
	})
}

func accountStatus(a *dispatcher.Account) string {
	if a.Disabled {
		return "disabled"
	}
	return "enabled"
}

// runAccountCreate adds an account. Its password is read from stdin, or generated with
// --generate and then printed: the only thing on stdout.
func runAccountCreate(ctx context.Context, args []string, stdout io.Writer) error {
	var cfg Config
	var a dispatcher.Account
	var role string
	var cert dispatcher.Certificate
	fs := flagSet("account create", &cfg)
	fs.StringVar(&a.Login, "login", "", "the login")
	fs.StringVar(&a.Name, "name", "", "the person's name")
	fs.StringVar(&role, "role", "", "the role: "+roleList())
	fs.StringVar(&a.Unit, "unit", "", "the unit's code")
	fs.StringVar(&cert.Number, "cert-number", "", "the law-enforcement certificate's number (officers)")
	fs.StringVar(&cert.ValidUntil, "cert-valid-until", "", "the certificate's last valid day, YYYY-MM-DD")
	fs.StringVar(&cert.Scope, "cert-scope", "", "the certificate's scope")
	generate := fs.Bool("generate", false, "generate the password and print it")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 0 || a.Login == "" || a.Name == "" || role == "" || a.Unit == "" {
		return usageError{"account create: --login, --name, --role and --unit are required\n" + usage}
	}
	a.Role = dispatcher.Role(role)
	if cert != (dispatcher.Certificate{}) {
		a.Certificate = &cert
	}
	return withService(ctx, cfg, func(svc *dispatcher.Service) error {
		pw, err := newPassword(*generate)
		if err != nil {
			return err
		}
		if err := svc.CreateAccount(ctx, &a, pw); err != nil {
			return err
		}
		slog.Info("account created", "login", a.Login, "role", a.Role, "unit", a.Unit)
		if *generate {
			fmt.Fprintln(stdout, pw)
		}
		return nil
	})
}

// runAccountPasswd sets an account's password (read from stdin, or generated with --generate and
// printed) and revokes its tokens.
func runAccountPasswd(ctx context.Context, args []string, stdout io.Writer) error {
	var cfg Config
	var login string
	fs := flagSet("account passwd", &cfg)
	fs.StringVar(&login, "login", "", "the account")
	generate := fs.Bool("generate", false, "generate the password and print it")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 0 || login == "" {
		return usageError{"account passwd: --login is required\n" + usage}
	}
	return withService(ctx, cfg, func(svc *dispatcher.Service) error {
		if _, err := svc.Store().Account(ctx, login); err != nil { // before asking for a password
			return err
		}
		pw, err := newPassword(*generate)
		if err != nil {
			return err
		}
		n, err := svc.SetPassword(ctx, login, pw)
		if err != nil {
			return err
		}
		slog.Info("password changed; the account's tokens are revoked", "login", login, "tokens", n)
		if *generate {
			fmt.Fprintln(stdout, pw)
		}
		return nil
	})
}

// accountSetter is the verb that disables (revoking the account's tokens) or re-enables an account.
func accountSetter(verb string, disabled bool) subcommand {
	return func(ctx context.Context, args []string, stdout io.Writer) error {
		var cfg Config
		fs := flagSet("account "+verb, &cfg)
		rest, err := parse(fs, args)
		if err != nil {
			return err
		}
		if len(rest) != 1 {
			return usageError{"account " + verb + ": name one login (see `cityhub account list`)\n" + usage}
		}
		return withService(ctx, cfg, func(svc *dispatcher.Service) error {
			a, n, err := svc.SetAccountDisabled(ctx, rest[0], disabled)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s account %s (%s)", accountStatus(a), a.Login, printable(a.Name))
			if disabled {
				fmt.Fprintf(stdout, "; %d tokens revoked", n)
			}
			fmt.Fprintln(stdout)
			return nil
		})
	}
}

func roleList() string {
	names := make([]string, len(dispatcher.AllRoles))
	for i, r := range dispatcher.AllRoles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

// passwordInput is where passwords are read from (a variable for the tests).
var passwordInput io.Reader = os.Stdin

// newPassword is a generated password, or the one read from passwordInput: typed twice at a
// prompt that does not echo when it is a terminal, otherwise its first line.
func newPassword(generate bool) (string, error) {
	if generate {
		return dispatcher.GeneratePassword(), nil
	}
	var pw string
	var err error
	if f, ok := passwordInput.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		pw, err = promptPassword(f)
	} else {
		pw, err = bufio.NewReader(passwordInput).ReadString('\n')
		if errors.Is(err, io.EOF) && pw != "" {
			err = nil
		}
		pw = strings.TrimRight(pw, "\r\n")
	}
	if err != nil {
		return "", fmt.Errorf("reading the password from standard input (or use --generate): %w", err)
	}
	return pw, dispatcher.ValidatePassword(pw)
}

func promptPassword(f *os.File) (string, error) {
	read := func(prompt string) (string, error) {
		fmt.Fprint(os.Stderr, prompt)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(os.Stderr)
		return string(b), err
	}
	pw, err := read("新密码 (new password): ")
	if err != nil {
		return "", err
	}
	again, err := read("再输入一次 (again): ")
	if err != nil {
		return "", err
	}
	if pw != again {
		return "", errors.New("the two passwords differ")
	}
	return pw, nil
}

// tokenCommands are the verbs of `cityhub token`.
var tokenCommands = map[string]subcommand{
	"create": runToken,
	"list":   runTokenList,
	"revoke": runTokenRevoke,
}

// runTokenList prints the tokens that have not expired, oldest first (of one login with --login):
// id, login, creation, expiry and last use.
func runTokenList(ctx context.Context, args []string, stdout io.Writer) error {
	var cfg Config
	var login string
	fs := flagSet("token list", &cfg)
	fs.StringVar(&login, "login", "", "only this account's tokens")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return usageError{"token list: takes no arguments\n" + usage}
	}
	return withService(ctx, cfg, func(svc *dispatcher.Service) error {
		toks, err := svc.Tokens(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tLOGIN\tCREATED\tEXPIRES\tLAST-USED")
		for _, t := range toks {
			if login != "" && t.Login != login {
				continue
			}
			used := "-"
			if !t.LastUsedAt.IsZero() {
				used = t.LastUsedAt.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", t.ID(), printable(t.Login), t.CreatedAt.UTC().Format(time.RFC3339),
				t.ExpiresAt.UTC().Format(time.RFC3339), used)
		}
		return w.Flush()
	})
}

// runTokenRevoke revokes the token an id (or 8 or more of its first digits) names, or with
// --login every token of an account.
func runTokenRevoke(ctx context.Context, args []string, stdout io.Writer) error {
	var cfg Config
	var login string
	fs := flagSet("token revoke", &cfg)
	fs.StringVar(&login, "login", "", "revoke every token of this account")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if (login == "") == (len(rest) != 1) || len(rest) > 1 {
		return usageError{"token revoke: name one token id (see `cityhub token list`) or --login LOGIN\n" + usage}
	}
	return withService(ctx, cfg, func(svc *dispatcher.Service) error {
		if login != "" {
			n, err := svc.RevokeAccountTokens(ctx, login)
			if err == nil {
				fmt.Fprintf(stdout, "revoked %d tokens of %s\n", n, login)
			}
			return err
		}
		t, err := svc.RevokeToken(ctx, rest[0])
		if err == nil {
			fmt.Fprintf(stdout, "revoked token %s (%s)\n", t.ID(), printable(t.Login))
		}
		return err
	})
}
