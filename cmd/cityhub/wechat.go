package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"cityhub/dispatcher"
	"cityhub/intake/wechat"
)

// wechatFlags declares the Official Account's settings (基本配置 of the WeChat admin console):
// flags, with the CITYHUB_WECHAT_* environment variables as defaults.
func wechatFlags(fs *flag.FlagSet, cfg *Config) {
	w := &cfg.WeChat
	fs.StringVar(&w.Token, "wechat-token", os.Getenv("CITYHUB_WECHAT_TOKEN"), "WeChat Official Account Token (3-32 letters or digits); empty: no WeChat channel")
	fs.StringVar(&w.AppID, "wechat-appid", os.Getenv("CITYHUB_WECHAT_APPID"), "WeChat AppID (wx + 16 hex digits)")
	fs.StringVar(&w.Secret, "wechat-secret", os.Getenv("CITYHUB_WECHAT_SECRET"), "WeChat AppSecret: photo downloads, notices and the menu")
	fs.StringVar(&w.AESKey, "wechat-aeskey", os.Getenv("CITYHUB_WECHAT_AESKEY"), "WeChat EncodingAESKey (43 characters): safe and compatible modes")
	fs.StringVar(&w.Mode, "wechat-mode", os.Getenv("CITYHUB_WECHAT_MODE"), "plaintext, compatible or safe (default: safe with an AES key, else plaintext)")
	fs.StringVar(&w.API, "wechat-api", os.Getenv("CITYHUB_WECHAT_API"), "WeChat API base URL (default "+wechat.DefaultAPI+")")
	fs.StringVar(&cfg.WeChatTemplates, "wechat-templates", os.Getenv("CITYHUB_WECHAT_TEMPLATES"), "JSON file of the bureau's template messages by notice kind, for citizens outside the 48-hour window")
}

// checkWeChat validates the WeChat settings when the channel is configured at all: a half
// configured channel would accept messages it can never answer.
func checkWeChat(cfg *Config) error {
	w := cfg.WeChat
	if w == (wechat.Config{}) && cfg.WeChatTemplates == "" {
		return nil
	}
	if err := w.Validate(); err != nil {
		return err
	}
	if err := w.ValidateForAPI(); err != nil {
		return err
	}
	if cfg.WeChatTemplates != "" {
		t, err := loadTemplates(cfg.WeChatTemplates)
		if err != nil {
			return err
		}
		cfg.templates = t
	}
	return nil
}

// loadTemplates reads {"closed": {"id": "...", "url": "...", "data": {"first": "{text}", ...}}, ...}.
func loadTemplates(path string) (map[string]wechat.Template, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("CITYHUB_WECHAT_TEMPLATES: %w", err)
	}
	var t map[string]wechat.Template
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("CITYHUB_WECHAT_TEMPLATES %s: 不是有效的 JSON (not valid JSON): %w", path, err)
	}
	if err := wechat.CheckTemplates(t); err != nil {
		return nil, fmt.Errorf("CITYHUB_WECHAT_TEMPLATES %s: %w", path, err)
	}
	return t, nil
}

// startWeChat builds the channel: the webhook for the web server, the workers that download
// photos and send notices. The KV is Redis when the instances share one, else the store.
func (m *Main) startWeChat(bg context.Context) (http.Handler, error) {
	cfg := m.Config.WeChat.WithDefaults()
	if m.Config.WeChat.Token == "" {
		return nil, nil
	}
	kv := m.shared.kvOr(m.store)
	outbox, ok := m.store.(dispatcher.Outbox)
	if !ok || kv == nil {
		return nil, fmt.Errorf("wechat: the store keeps no outbox")
	}
	api := wechat.NewClient(cfg.API, cfg.AppID, cfg.Secret, kv, nil, nil)
	m.wechat = wechat.NewIntake(m.svc, wechat.Options{KV: kv, Outbox: outbox, API: api,
		Templates: m.Config.templates, Log: m.Log, Poll: m.Config.WeChatPoll, RetryBase: m.Config.WeChatRetryBase})
	m.wechat.Start(bg)
	return wechat.NewWebhook(cfg, m.wechat, kv, m.Log, nil)
}

// runWeChat is `cityhub wechat menu`: it publishes the account's menu (我要举报, 我的诉求, 帮助)
// through the API, with the access token the serving instances share.
func runWeChat(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "menu" {
		return usageError{"wechat: the subcommand is menu\n" + usage}
	}
	var cfg Config
	fs := flagSet("wechat menu", &cfg)
	fs.StringVar(&cfg.Redis, "redis", os.Getenv("CITYHUB_REDIS"), "Redis URL shared by every instance")
	fs.StringVar(&cfg.RedisPrefix, "redis-prefix", envOr("CITYHUB_REDIS_PREFIX", "cityhub"), "namespace of the hub's Redis keys")
	wechatFlags(fs, &cfg)
	if _, err := parse(fs, args[1:]); err != nil {
		return err
	}
	w := cfg.WeChat.WithDefaults()
	if err := w.ValidateClient(); err != nil {
		return usageError{"wechat menu: " + err.Error()}
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	shared, err := openShared(ctx, cfg, slog.Default())
	if err != nil {
		return err
	}
	defer shared.closeFn()
	api := wechat.NewClient(w.API, w.AppID, w.Secret, shared.kvOr(store), nil, nil)
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := api.CreateMenu(ctx, wechat.DefaultMenu()); err != nil {
		return fmt.Errorf("wechat menu: %w", err)
	}
	fmt.Fprintln(stdout, "菜单已发布 (menu published): 我要举报, 我的诉求, 帮助")
	return nil
}
