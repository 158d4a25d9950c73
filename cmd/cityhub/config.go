package main

import (
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"cityhub/intake/webform"
	"cityhub/intake/wechat"
	"cityhub/media"
	"cityhub/web/proxy"
)

// Config is what every subcommand may be told, from flags or the environment.
type Config struct {
	Addr        string // HTTP listen address
	DataDir     string // where the SQLite file and other local state live
	DB          string // store DSN: postgres://... or a SQLite path / sqlite:// URL
	Redis       string // redis://... shared by every instance; "" for in-process
	RedisPrefix string // namespace of every Redis key and channel
	Open311Rate int    // Open311 reports per api key per minute; 0 for no cap
	// RefreshInterval is how often an instance checks whether the shared reference data changed.
	RefreshInterval time.Duration
	Demo            bool   // load the Qijiang demo data and accounts into an empty store
	ManualDispatch  bool   // leave reports in "received" for the centre to register by hand
	DemoPassword    string // password for the demo accounts; generated when empty
	// PublicURL is the root URL the public reaches the hub at (https://hub.example.cn), for the
	// links the hub hands out; "" derives it from each request (see web/proxy).
	PublicURL string
	// TrustedProxies are the reverse proxies whose X-Forwarded-* headers are believed.
	TrustedProxies proxy.Trusted
	// MapTiles is an optional tile URL template for the consoles' maps; MapTilesDatum the datum
	// of its tiles (wgs84 or gcj02: overlays are converted to it for drawing).
	MapTiles, MapTilesDatum string
	// ReadTimeout bounds the reading of a request, headers and body (0: 30 s); WriteTimeout the
	// handling of a request and the writing of its answer (0: 60 s); IdleTimeout is how long a
	// keep-alive connection may wait for its next request (0: 60 s).
	ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// StreamCheckInterval is how often an open stream checks its token (0: 15 s).
	StreamCheckInterval time.Duration
	// MediaLimits bound uploaded photos and videos, in bytes (0: 10 MB and 50 MB).
	MediaLimits media.Limits
	// WeChat is the Official Account (no Token: no WeChat channel); WeChatTemplates the JSON file
	// of the bureau's template messages, read into templates at start.
	WeChat          wechat.Config
	WeChatTemplates string
	templates       map[string]wechat.Template
	// WeChatPoll and WeChatRetryBase pace the channel's workers (0: 2 s, and 5 s doubling); tests
	// shorten them.
	WeChatPoll, WeChatRetryBase time.Duration
	// SMS is the gateway of the closure texts (sms.go).
	SMS SMSConfig
	// HotlineSecret is the telephone system's shared secret (hotline.go); "" takes no call events.
	HotlineSecret string
	// WebFormLimits bound the citizens' web form (zero: webform.DefaultLimits); tests lower them.
	WebFormLimits webform.Limits
}

// flagSet declares the common flags with their environment defaults.
func flagSet(name string, cfg *Config) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&cfg.DataDir, "data", envOr("CITYHUB_DATA", "./data"), "data directory")
	fs.StringVar(&cfg.DB, "db", os.Getenv("CITYHUB_DB"), "store DSN (default: SQLite file in the data directory)")
	return fs
}

// parse reads flags; it accepts flags before and after positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usageError{fmt.Sprintf("%s: %v\n%s", fs.Name(), err, usage)}
		}
		args = fs.Args()
		if len(args) == 0 {
			return rest, nil
		}
		rest = append(rest, args[0])
		args = args[1:]
	}
}

// envInt is the environment variable key as a whole number, def when it is unset, and -1 when
// it is not a number (so that the flag's range check refuses it).
func envInt(key string, def int) int {
	v := os.Getenv(key)
	if v == "" {
		return def
	}
	if n, err := strconv.Atoi(v); err == nil {
		return n
	}
	return -1
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func (c Config) isPostgres() bool {
	return strings.HasPrefix(c.DB, "postgres://") || strings.HasPrefix(c.DB, "postgresql://")
}

// sqlitePath resolves the store DSN to a SQLite file path, creating the data directory.
func (c Config) sqlitePath() (string, error) {
	dsn := c.DB
	switch {
	case dsn == "":
		if err := os.MkdirAll(c.DataDir, 0o750); err != nil {
			return "", fmt.Errorf("data directory: %w", err)
		}
		return filepath.Join(c.DataDir, "cityhub.db"), nil
	case strings.HasPrefix(dsn, "sqlite://"):
		return strings.TrimPrefix(dsn, "sqlite://"), nil
	case strings.HasPrefix(dsn, "sqlite:"):
		return strings.TrimPrefix(dsn, "sqlite:"), nil
	case strings.Contains(dsn, "://"):
		return "", fmt.Errorf("unsupported store DSN %q (use postgres://... or a SQLite file path)", redact(dsn))
	}
	return dsn, nil
}

// redact hides a password in a DSN before it is printed.
func redact(dsn string) string {
	at := strings.LastIndex(dsn, "@")
	scheme := strings.Index(dsn, "://")
	if at < 0 || scheme < 0 {
		return dsn
	}
	userinfo := dsn[scheme+3 : at]
	if user, _, ok := strings.Cut(userinfo, ":"); ok {
		return dsn[:scheme+3] + user + ":***" + dsn[at:]
	}
	return dsn
}

// checkMapTiles refuses a tile URL that is not an absolute http(s) template with {z}, {x} and {y},
// and a datum other than wgs84 or gcj02.
func checkMapTiles(tiles, datum string) error {
	if datum != "wgs84" && datum != "gcj02" {
		return fmt.Errorf("--map-tiles-datum must be wgs84 or gcj02; got %q", datum)
	}
	if tiles == "" {
		return nil
	}
	u, err := url.Parse(strings.ReplaceAll(tiles, "{s}", "s"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--map-tiles must be an absolute http or https URL; got %q", tiles)
	}
	for _, p := range []string{"{z}", "{x}", "{y}"} {
		if !strings.Contains(tiles, p) {
			return fmt.Errorf("--map-tiles must contain {z}, {x} and {y}; got %q", tiles)
		}
	}
	return nil
}
