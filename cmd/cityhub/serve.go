package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"cityhub/dispatcher"
	"cityhub/intake/open311"
	"cityhub/intake/sms"
	"cityhub/intake/wechat"
	"cityhub/media"
	"cityhub/refdata"
	"cityhub/web"
	"cityhub/web/proxy"
	"cityhub/web/stream"
)

// Main is one running hub: store, service, stream hub, scheduler and HTTP server. End-to-end
// tests start it on port 0 with a temporary data directory.
type Main struct {
	Config Config
	Out    io.Writer // where the generated demo password is printed
	Log    *slog.Logger

	store  dispatcher.Store
	shared *sharedParts
	svc    *dispatcher.Service
	hub    *stream.Hub
	srv    *http.Server
	web    *web.Server
	ln     net.Listener
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closed sync.Once

	refVersion int64          // the reference data version the service runs on
	wechat     *wechat.Intake // the WeChat channel's workers, when configured
	sms        *sms.Notifier  // the closure texts to reporters who left a phone
}

// watchReference reloads the reference data (units, categories, calendar, jurisdictions) when
// another instance or an import changed it in the shared store.
func (m *Main) watchReference(ctx context.Context) {
	every := m.Config.RefreshInterval
	if every <= 0 {
		every = 10 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := m.reloadReference(ctx); err != nil && ctx.Err() == nil {
				m.Log.Warn("reference data reload", "err", err)
			}
		}
	}
}

func (m *Main) reloadReference(ctx context.Context) error {
	v, err := m.store.ReferenceVersion(ctx)
	if err != nil || v == m.refVersion {
		return err
	}
	ref, err := m.store.Reference(ctx)
	if err != nil {
		return err
	}
	router, err := m.svc.RouterFor(ref) // the one in force when only the calendar or the gazetteer changed
	if err != nil {
		return err
	}
	if err := m.svc.Reconfigure(ref, router); err != nil {
		return err
	}
	m.refVersion = v
	m.Log.Info("reference data reloaded", "version", v)
	return nil
}

// ParseFlags reads serve's flags and environment.
func (m *Main) ParseFlags(args []string) error {
	fs := flagSet("serve", &m.Config)
	fs.StringVar(&m.Config.Addr, "addr", envOr("CITYHUB_ADDR", "127.0.0.1:8080"), "listen address")
	fs.BoolVar(&m.Config.Demo, "demo", false, "load the Qijiang demo data into an empty store")
	fs.BoolVar(&m.Config.ManualDispatch, "manual-dispatch", false, "do not register and dispatch reports automatically")
	fs.StringVar(&m.Config.Redis, "redis", os.Getenv("CITYHUB_REDIS"), "Redis URL shared by every instance (redis://host:port/db)")
	fs.StringVar(&m.Config.RedisPrefix, "redis-prefix", envOr("CITYHUB_REDIS_PREFIX", "cityhub"), "namespace of the hub's Redis keys")
	fs.IntVar(&m.Config.Open311Rate, "open311-rate", 600, "Open311 reports accepted per api key per minute (0: no cap)")
	publicURL := fs.String("public-url", os.Getenv("CITYHUB_PUBLIC_URL"), "root URL the public reaches the hub at (default: from each request)")
	wechatFlags(fs, &m.Config)
	smsFlags(fs, &m.Config)
	hotlineFlags(fs, &m.Config)
	fs.StringVar(&m.Config.MapTiles, "map-tiles", os.Getenv("CITYHUB_MAP_TILES"), "tile server URL template for the consoles' maps, e.g. https://{s}.tiles.example.cn/{z}/{x}/{y}.png (default: no tiles, the jurisdictions alone)")
	fs.StringVar(&m.Config.MapTilesDatum, "map-tiles-datum", envOr("CITYHUB_MAP_TILES_DATUM", "wgs84"), "datum the tiles are drawn in: wgs84, or gcj02 for AMap, Tencent and most Chinese tile servers")
	maxImage := fs.Int("max-image-mb", envInt("CITYHUB_MAX_IMAGE_MB", media.DefaultMaxImage>>20), "largest photo accepted, in MB")
	maxVideo := fs.Int("max-video-mb", envInt("CITYHUB_MAX_VIDEO_MB", media.DefaultMaxVideo>>20), "largest video accepted, in MB")
	trusted := fs.String("trusted-proxies", os.Getenv("CITYHUB_TRUSTED_PROXIES"), "reverse proxies whose X-Forwarded-* headers are believed (addresses or CIDR prefixes, comma-separated)")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageError{fmt.Sprintf("serve: unexpected argument %q\n%s", rest[0], usage)}
	}
	if *maxImage < 1 || *maxImage > 100 || *maxVideo < 1 || *maxVideo > 1000 {
		return usageError{"serve: --max-image-mb must be 1 to 100 and --max-video-mb 1 to 1000"}
	}
	m.Config.MediaLimits = media.Limits{Image: int64(*maxImage) << 20, Video: int64(*maxVideo) << 20}
	if m.Config.PublicURL, err = proxy.ParsePublicURL(*publicURL); err != nil {
		return usageError{"serve: --public-url: " + err.Error()}
	}
	if err := checkMapTiles(m.Config.MapTiles, m.Config.MapTilesDatum); err != nil {
		return usageError{"serve: " + err.Error()}
	}
	if m.Config.TrustedProxies, err = proxy.Parse(*trusted); err != nil {
		return usageError{"serve: --trusted-proxies: " + err.Error()}
	}
	if err := checkWeChat(&m.Config); err != nil {
		return usageError{"serve: " + err.Error()}
	}
	if err := checkSMS(&m.Config); err != nil {
		return usageError{"serve: " + err.Error()}
	}
	m.Config.DemoPassword = os.Getenv("CITYHUB_DEMO_PASSWORD")
	return nil
}

// Run opens everything and starts serving; it returns once the listener is up.
func (m *Main) Run(ctx context.Context) (err error) {
	if m.Log == nil {
		m.Log = slog.Default()
	}
	if m.Out == nil {
		m.Out = io.Discard
	}
	if m.store, err = openStore(ctx, m.Config); err != nil {
		return err
	}
	if m.shared, err = openShared(ctx, m.Config, m.Log); err != nil {
		return err
	}
	demo, err := m.loadDemoReference(ctx)
	if err != nil {
		return err
	}
	if m.refVersion, err = m.store.ReferenceVersion(ctx); err != nil {
		return err
	}
	if m.svc, err = newService(ctx, m.store, m.Config, m.Log, m.shared); err != nil {
		return err
	}
	if demo != nil {
		if err := m.loadDemoAccounts(ctx, demo); err != nil {
			return err
		}
	}
	return m.start()
}

func (m *Main) start() error {
	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return err
	}
	m.ln = ln
	bg, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	m.hub = stream.NewHub(m.store, m.svc.Bus(), stream.Options{Logger: m.Log, CheckInterval: m.Config.StreamCheckInterval})
	m.goRun(func() { m.hub.Run(bg) })
	m.goRun(func() { m.svc.RunScheduler(bg, time.Second) })
	m.goRun(func() { m.watchReference(bg) })
	if ls, ok := m.store.(dispatcher.LogStore); ok { // every instance appends; the store keeps them from doubling up
		m.goRun(func() { dispatcher.RunLogAppender(bg, ls, m.svc.Bus(), m.Log) })
	}
	wechatHook, err := m.startWeChat(bg)
	if err != nil {
		return err
	}
	m.startSMS(bg)
	hotlineHook := m.startHotline(m.shared.signals)
	var ringing dispatcher.Signals // the consoles' ring, with a telephone system connected
	if hotlineHook != nil {
		ringing = m.shared.signals
	}
	m.startKVSweep(bg)
	var commitStats func() (int64, int64)
	if st, ok := m.store.(dispatcher.CommitStats); ok {
		commitStats = st.CommitStats
	}
	server := web.New(web.Config{Service: m.svc, Hub: m.hub, Logger: m.Log, Health: m.health,
		Backoff: m.shared.backoff, CommitStats: commitStats, Proxies: m.Config.TrustedProxies,
		PublicURL: m.Config.PublicURL, MapTiles: m.Config.MapTiles, MapTilesDatum: m.Config.MapTilesDatum,
		MediaLimits: m.Config.MediaLimits, WeChat: wechatHook,
		Hotline: hotlineHook, Signals: ringing, WebForm: m.startWebForm(),
		Open311: open311.NewHandler(m.svc, open311.Options{PublicURL: m.Config.PublicURL,
			Proxies: m.Config.TrustedProxies, Logger: m.Log, Limiter: m.shared.limits,
			PostsPerMinute: m.Config.Open311Rate, MediaLimits: m.Config.MediaLimits})})
	m.web = server
	m.srv = m.httpServer(server.Handler())
	m.goRun(func() {
		if err := m.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Log.Error("http server", "err", err)
		}
	})
	m.Log.Info("cityhub serving", "addr", ln.Addr().String(), "district", m.svc.Reference().District)
	m.startDebug()
	return nil
}

// The HTTP server's timeouts: a client that sends its request slowly, does not read the answer,
// or keeps a connection open without using it holds a connection and a goroutine; past these it
// is cut off. A JSON body is at most 64 KB and an Open311 form less: 30 s for the whole request
// is a slow mobile link's worth. The websocket stream lives for hours: it clears the deadlines
// these leave on the connection when it takes it over, and sets its own for each read and write.
const (
	readHeaderTimeout   = 10 * time.Second
	defaultReadTimeout  = 30 * time.Second
	defaultWriteTimeout = 60 * time.Second
	defaultIdleTimeout  = 60 * time.Second
)

func (m *Main) httpServer(h http.Handler) *http.Server {
	or := func(d, def time.Duration) time.Duration {
		if d <= 0 {
			return def
		}
		return d
	}
	read := or(m.Config.ReadTimeout, defaultReadTimeout)
	return &http.Server{Handler: h, ReadHeaderTimeout: min(readHeaderTimeout, read), ReadTimeout: read,
		WriteTimeout: or(m.Config.WriteTimeout, defaultWriteTimeout), IdleTimeout: or(m.Config.IdleTimeout, defaultIdleTimeout)}
}

func (m *Main) goRun(fn func()) {
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		fn()
	}()
}

// Addr is the address the hub listens on (useful with port 0).
func (m *Main) Addr() string { return m.ln.Addr().String() }

// Close stops serving: new requests are refused, running ones get a few seconds to finish, then
// the streams, the scheduler and the store close.
func (m *Main) Close() (err error) {
	m.closed.Do(func() { err = m.close() })
	return err
}

func (m *Main) close() error {
	if m.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = m.srv.Shutdown(ctx)
		cancel()
	}
	if m.hub != nil {
		m.hub.Close()
	}
	if m.cancel != nil {
		m.cancel()
	}
	if m.wechat != nil {
		m.wechat.Close()
	}
	if m.sms != nil {
		m.sms.Close()
	}
	m.wg.Wait()
	if m.shared != nil {
		_ = m.shared.closeFn()
	}
	if m.store != nil {
		return m.store.Close()
	}
	return nil
}

// health is what /healthz reports: the store must answer; a Redis that is down degrades the hub
// (consoles fall back to polling the store) but does not stop it.
func (m *Main) health(ctx context.Context) web.Health {
	h := web.Health{Components: map[string]string{"store": "ok"}}
	if err := m.store.Ping(ctx); err != nil {
		h.Components["store"] = dispatcher.ErrorMessage(err)
		h.Down = true
	}
	if m.shared.health != nil {
		h.Components["redis"] = "ok"
		if err := m.shared.health(ctx); err != nil {
			h.Components["redis"] = dispatcher.ErrorMessage(err) + "; consoles poll the store"
			h.Degraded = true
		}
	}
	return h
}

// loadDemoReference fills an empty store with the Qijiang reference data, once: of several
// instances started together on one empty database, only the one whose InitReference wins loads
// it, and gets it back to load the demo accounts once its service is built.
func (m *Main) loadDemoReference(ctx context.Context) (*dispatcher.Reference, error) {
	if !m.Config.Demo {
		return nil, nil
	}
	ref, err := refdata.Qijiang()
	if err != nil {
		return nil, err
	}
	created, err := m.store.InitReference(ctx, ref)
	if err != nil || !created {
		if err == nil {
			m.demoLoadedBefore()
		}
		return nil, err
	}
	return ref, nil
}

// loadDemoAccounts creates the demo accounts of the reference data this instance loaded, with the
// password of CITYHUB_DEMO_PASSWORD or one it makes up and prints.
func (m *Main) loadDemoAccounts(ctx context.Context, ref *dispatcher.Reference) error {
	password, generated := m.Config.DemoPassword, false
	if password == "" {
		password, generated = dispatcher.NewSecret(9), true
	}
	n, err := importAccounts(ctx, m.svc, ref, password)
	if err != nil {
		return err
	}
	if generated {
		fmt.Fprintf(m.Out, "demo data loaded: %d accounts (admin, op1, lead1, disp1, gn-lead, ...); password: %s\n", n, password)
	} else {
		fmt.Fprintf(m.Out, "demo data loaded: %d accounts; password from CITYHUB_DEMO_PASSWORD\n", n)
	}
	return nil
}

// demoLoadedBefore says, when --demo finds the demo data already loaded, that nothing was loaded
// and that a password given in CITYHUB_DEMO_PASSWORD was not applied: the demo password is set
// once, when the data is first loaded, and changed afterwards by `cityhub account passwd`.
func (m *Main) demoLoadedBefore() {
	const how = "cityhub account passwd --login LOGIN"
	if m.Config.DemoPassword != "" {
		m.Log.Warn("demo data was already loaded: CITYHUB_DEMO_PASSWORD was NOT applied; the accounts keep their passwords "+
			"(演示数据已加载，CITYHUB_DEMO_PASSWORD 未生效); change one with `"+how+"`", "data", m.storeName())
		return
	}
	m.Log.Info("demo data was already loaded: the accounts keep the password printed when it was first loaded; "+
		"change one with `"+how+"`", "data", m.storeName())
}

// storeName names the store in messages, without a password.
func (m *Main) storeName() string {
	if m.Config.isPostgres() {
		return redact(m.Config.DB)
	}
	if p, err := m.Config.sqlitePath(); err == nil {
		return p
	}
	return m.Config.DataDir
}

func runServe(ctx context.Context, args []string, stdout io.Writer, log *slog.Logger) error {
	setGCTarget()
	m := &Main{Out: stdout, Log: log}
	if err := m.ParseFlags(args); err != nil {
		return err
	}
	if err := m.Run(ctx); err != nil {
		_ = m.Close()
		return err
	}
	<-ctx.Done()
	log.Info("shutting down")
	return m.Close()
}

// serveGCPercent is the garbage collector's target for a serving hub unless GOGC says otherwise.
// The hub keeps little in memory (the store holds the cases), but each report allocates tens of
// kilobytes that die at once: with Go's default of 100 the collector ran so often that it took
// 10-20% of the hub's CPU under load. At 400 the Open311 load test spends 10-20% less hub CPU per
// report, and the peak resident memory of the demo district goes from about 55 MB to 100 MB.
const serveGCPercent = 400

func setGCTarget() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(serveGCPercent)
	}
}

// startDebug serves Go's profiler on CITYHUB_PPROF_ADDR (e.g. 127.0.0.1:6060), for operators
// measuring a loaded hub; it is never on the public listener.
func (m *Main) startDebug() {
	addr := os.Getenv("CITYHUB_PPROF_ADDR")
	if addr == "" {
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	go func() {
		if err := http.ListenAndServe(addr, mux); err != nil {
			m.Log.Warn("pprof listener", "err", err)
		}
	}()
}
