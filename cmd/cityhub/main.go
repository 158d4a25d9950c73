// Command cityhub is the complaint hotline and city-management dispatch hub.
//
//	cityhub serve   [--addr HOST:PORT] [--data DIR] [--db DSN] [--demo]
//	cityhub import  [--data DIR] [--db DSN] FOLDER
//	cityhub apikey create [--data DIR] [--db DSN] --name NAME
//	cityhub apikey list   [--data DIR] [--db DSN]
//	cityhub apikey disable|enable [--data DIR] [--db DSN] ID
//	cityhub token create  [--data DIR] [--db DSN] --login LOGIN
//	cityhub token list    [--data DIR] [--db DSN] [--login LOGIN]
//	cityhub token revoke  [--data DIR] [--db DSN] ID | --login LOGIN
//	cityhub account list|create|passwd|disable|enable ...
//	cityhub audit verify  [--data DIR] [--db DSN] [--since-checkpoint FILE] [--audit-pubkey VKEY]
//	cityhub audit checkpoint [--data DIR] [--db DSN] [--audit-key FILE]
//	cityhub audit keygen  [--data DIR] [--audit-key FILE] [--origin NAME]
//	cityhub migrate --from DSN --to DSN
//
// Flags fall back to CITYHUB_ADDR, CITYHUB_DATA, CITYHUB_DB, CITYHUB_REDIS and CITYHUB_AUDIT_KEY.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	_ "time/tzdata" // the calendar's zone must resolve on machines without zone files
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "cityhub:", err)
		var ue usageError
		if errors.As(err, &ue) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

const usage = `usage:
  cityhub serve [--addr HOST:PORT] [--data DIR] [--db DSN] [--redis URL] [--demo] [--manual-dispatch]
                [--public-url URL] [--trusted-proxies LIST] [--max-image-mb N] [--max-video-mb N]
                [--map-tiles URL [--map-tiles-datum wgs84|gcj02]]
                [--wechat-token T --wechat-appid ID --wechat-secret S [--wechat-aeskey K] [--wechat-mode M]
                 [--wechat-api URL] [--wechat-templates FILE]]
                [--sms-url URL --sms-secret S [--sms-sign 【签名】]] [--hotline-secret S]
  cityhub import [--data DIR] [--db DSN] FOLDER
  cityhub apikey create [--data DIR] [--db DSN] --name NAME
  cityhub apikey list [--data DIR] [--db DSN]
  cityhub apikey disable|enable [--data DIR] [--db DSN] ID
  cityhub token create [--data DIR] [--db DSN] --login LOGIN
  cityhub token list [--data DIR] [--db DSN] [--login LOGIN]
  cityhub token revoke [--data DIR] [--db DSN] ID | --login LOGIN
  cityhub account list [--data DIR] [--db DSN]
  cityhub account create [--data DIR] [--db DSN] --login LOGIN --name NAME --role ROLE --unit UNIT
                         [--cert-number N --cert-valid-until YYYY-MM-DD [--cert-scope S]] [--generate]
  cityhub account passwd [--data DIR] [--db DSN] --login LOGIN [--generate]
  cityhub account disable|enable [--data DIR] [--db DSN] LOGIN
  cityhub audit verify [--data DIR] [--db DSN] [--since-checkpoint FILE] [--audit-pubkey VKEY] [--audit-key FILE]
  cityhub audit checkpoint [--data DIR] [--db DSN] [--audit-key FILE]
  cityhub audit keygen [--data DIR] [--audit-key FILE] [--origin NAME]
  cityhub migrate --from DSN --to DSN
  cityhub wechat menu [--data DIR] [--db DSN] [--redis URL] [--wechat-appid ID --wechat-secret S]`

// run dispatches a subcommand; stdout carries only what the command is asked to print.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{usage}
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: logLevel()}))
	slog.SetDefault(logger)
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], stdout, logger)
	case "import":
		return runImport(ctx, args[1:], stdout)
	case "apikey":
		return runSub(ctx, args, apiKeyCommands, stdout)
	case "token":
		return runSub(ctx, args, tokenCommands, stdout)
	case "account":
		return runSub(ctx, args, accountCommands, stdout)
	case "audit":
		return runSub(ctx, args, auditCommands, stdout)
	case "wechat":
		return runWeChat(ctx, args[1:], stdout)
	case "migrate":
		return runMigrate(ctx, args[1:], stdout)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return usageError{fmt.Sprintf("unknown command %q\n%s", args[0], usage)}
}

// subcommand runs one verb of a command (`cityhub apikey list`) with the arguments after it.
type subcommand func(ctx context.Context, args []string, stdout io.Writer) error

// runSub runs the verb args[1] of the command args[0].
func runSub(ctx context.Context, args []string, verbs map[string]subcommand, stdout io.Writer) error {
	if len(args) < 2 {
		return usageError{fmt.Sprintf("%s: say what to do (%s)\n%s", args[0], verbList(verbs), usage)}
	}
	fn, ok := verbs[args[1]]
	if !ok {
		return usageError{fmt.Sprintf("%s: unknown command %q (%s)\n%s", args[0], args[1], verbList(verbs), usage)}
	}
	return fn(ctx, args[2:], stdout)
}

func verbList(verbs map[string]subcommand) string {
	return strings.Join(slices.Sorted(maps.Keys(verbs)), ", ")
}

func logLevel() slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(os.Getenv("CITYHUB_LOG_LEVEL"))); err != nil {
		return slog.LevelInfo
	}
	return l
}
