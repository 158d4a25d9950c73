package wechat

import (
	"strings"
	"testing"
	"time"
)

func goodConfig() Config {
	return Config{Token: "spamtest", AppID: "wx2c2769f8efd9abc2", Secret: "s", AESKey: testKey}
}

func TestConfigDefaults(t *testing.T) {
	c := goodConfig().WithDefaults()
	if c.Mode != ModeSafe || c.API != DefaultAPI || c.Window != 5*time.Minute {
		t.Errorf("with key: %+v", c)
	}
	if c := (Config{}).WithDefaults(); c.Mode != ModePlaintext {
		t.Errorf("without key: mode %s", c.Mode)
	}
	if c := (Config{Mode: ModeCompatible, Window: time.Minute, API: "http://x"}).WithDefaults(); c.Mode != ModeCompatible || c.Window != time.Minute || c.API != "http://x" {
		t.Errorf("set values overridden: %+v", c)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := goodConfig().Validate(); err != nil {
		t.Fatalf("good config: %v", err)
	}
	for _, appID := range []string{"wxba5fad812f8e6fb9", "wx49f0ab532d5d035a", "wxb11529c136998cb6", "wx2c2769f8efd9abc2"} {
		c := goodConfig()
		c.AppID = appID
		if err := c.Validate(); err != nil {
			t.Errorf("vector AppID %s: %v", appID, err)
		}
	}
	tests := []struct {
		name string
		edit func(*Config)
		env  string
	}{
		{"no token", func(c *Config) { c.Token = "" }, "CITYHUB_WECHAT_TOKEN"},
		{"short token", func(c *Config) { c.Token = "ab" }, "CITYHUB_WECHAT_TOKEN"},
		{"long token", func(c *Config) { c.Token = strings.Repeat("a", 33) }, "CITYHUB_WECHAT_TOKEN"},
		{"token punctuation", func(c *Config) { c.Token = "abc-def" }, "CITYHUB_WECHAT_TOKEN"},
		{"no appid", func(c *Config) { c.AppID = "" }, "CITYHUB_WECHAT_APPID"},
		{"gh id for appid", func(c *Config) { c.AppID = "gh_10f6c3c3ac5a" }, "CITYHUB_WECHAT_APPID"},
		{"short aes key", func(c *Config) { c.AESKey = testKey[:42] }, "CITYHUB_WECHAT_AESKEY"},
		{"aes key not base64", func(c *Config) { c.AESKey = testKey[:42] + "!" }, "CITYHUB_WECHAT_AESKEY"},
		{"safe without key", func(c *Config) { c.AESKey = ""; c.Mode = ModeSafe }, "CITYHUB_WECHAT_AESKEY"},
		{"compatible without key", func(c *Config) { c.AESKey = ""; c.Mode = ModeCompatible }, "CITYHUB_WECHAT_AESKEY"},
		{"bad mode", func(c *Config) { c.Mode = "aes" }, "CITYHUB_WECHAT_MODE"},
		{"relative api", func(c *Config) { c.API = "/cgi-bin" }, "CITYHUB_WECHAT_API"},
		{"ftp api", func(c *Config) { c.API = "ftp://api.weixin.qq.com" }, "CITYHUB_WECHAT_API"},
		{"negative window", func(c *Config) { c.Window = -time.Second }, "window"},
	}
	for _, tt := range tests {
		c := goodConfig()
		tt.edit(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.env) || !strings.Contains(err.Error(), "(") {
			t.Errorf("%s: err %v, want a bilingual error naming %s", tt.name, err, tt.env)
		}
	}
	if err := (Config{Token: "abc", AppID: "wx2c2769f8efd9abc2"}).Validate(); err != nil {
		t.Errorf("plaintext without key or secret: %v", err)
	}
}

func TestConfigValidateForAPI(t *testing.T) {
	c := goodConfig()
	if err := c.ValidateForAPI(); err != nil {
		t.Fatal(err)
	}
	c.Secret = ""
	if err := c.Validate(); err != nil {
		t.Errorf("Validate needs no secret: %v", err)
	}
	if err := c.ValidateForAPI(); err == nil || !strings.Contains(err.Error(), "CITYHUB_WECHAT_SECRET") {
		t.Errorf("ValidateForAPI without secret: %v", err)
	}
}
