package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"cityhub/dispatcher"
)

// apiKeyCommands are the verbs of `cityhub apikey`.
var apiKeyCommands = map[string]subcommand{
	"create":  runAPIKeyCreate,
	"list":    runAPIKeyList,
	"disable": apiKeySetter("disable", true),
	"enable":  apiKeySetter("enable", false),
}

// runAPIKeyCreate issues a key; stdout carries only the key, for scripts.
func runAPIKeyCreate(ctx context.Context, args []string, stdout io.Writer) error {
	return runIssue(ctx, args, stdout, "apikey create", "name", "who the key is for",
		func(svc *dispatcher.Service, name string) (string, error) { return svc.CreateAPIKey(ctx, name) })
}

// runAPIKeyList prints every key, oldest first: id, status, creation time and name.
func runAPIKeyList(ctx context.Context, args []string, stdout io.Writer) error {
	var cfg Config
	fs := flagSet("apikey list", &cfg)
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return usageError{"apikey list: takes no arguments\n" + usage}
	}
	return withService(ctx, cfg, func(svc *dispatcher.Service) error {
		keys, err := svc.APIKeys(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tSTATUS\tCREATED\tNAME")
		for _, k := range keys {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", k.ID(), keyStatus(k), k.CreatedAt.UTC().Format(time.RFC3339), printable(k.Name))
		}
		return w.Flush()
	})
}

// apiKeySetter is the verb that disables or re-enables the key an id (or 8 or more of its first
// digits) names.
func apiKeySetter(verb string, disabled bool) subcommand {
	return func(ctx context.Context, args []string, stdout io.Writer) error {
		var cfg Config
		fs := flagSet("apikey "+verb, &cfg)
		rest, err := parse(fs, args)
		if err != nil {
			return err
		}
		if len(rest) != 1 {
			return usageError{"apikey " + verb + ": name one api key id (see `cityhub apikey list`)\n" + usage}
		}
		return withService(ctx, cfg, func(svc *dispatcher.Service) error {
			k, err := svc.SetAPIKeyDisabled(ctx, rest[0], disabled)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s api key %s (%s)", keyStatus(k), k.ID(), printable(k.Name))
			if disabled { // running instances trust a key they have read for a while
				fmt.Fprintf(stdout, "; running hubs refuse it within %s", dispatcher.APIKeyTTL)
			}
			fmt.Fprintln(stdout)
			return nil
		})
	}
}

func keyStatus(k *dispatcher.APIKey) string {
	if k.Disabled {
		return "disabled"
	}
	return "enabled"
}

// printable quotes a name that holds a control character (a tab or a newline would break the
// one-line-per-key listing); other names, Chinese ones included, are printed as they are.
func printable(name string) string {
	if strings.ContainsFunc(name, unicode.IsControl) {
		return strconv.Quote(name)
	}
	return name
}
