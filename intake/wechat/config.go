package wechat

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"regexp"
	"time"
)

// Modes of message encryption, as the Official Account's 消息加解密方式 setting names them.
const (
	ModePlaintext  = "plaintext"  // 明文模式: bodies are plain XML, only the URL is signed
	ModeCompatible = "compatible" // 兼容模式: WeChat may send either; the Encrypt element is used when present
	ModeSafe       = "safe"       // 安全模式: every body is encrypted and signed with msg_signature
)

// Defaults of Config.
const (
	DefaultAPI    = "https://api.weixin.qq.com"
	DefaultWindow = 5 * time.Minute
)

// Config is the Official Account's developer settings (基本配置), read from the CITYHUB_WECHAT_*
// environment variables by the command.
type Config struct {
	Token, AppID, Secret, AESKey string
	Mode                         string        // "plaintext" | "compatible" | "safe"; "" = safe when AESKey set, else plaintext
	API                          string        // API base URL, default "https://api.weixin.qq.com"
	Window                       time.Duration // accepted timestamp skew, default 5 minutes
}

// WithDefaults fills in the mode, the API base URL and the window when they are unset.
func (c Config) WithDefaults() Config {
	if c.Mode == "" {
		c.Mode = ModePlaintext
		if c.AESKey != "" {
			c.Mode = ModeSafe
		}
	}
	if c.API == "" {
		c.API = DefaultAPI
	}
	if c.Window == 0 {
		c.Window = DefaultWindow
	}
	return c
}

var (
	// WeChat's form takes a Token of 3 to 32 letters and digits.
	tokenPattern = regexp.MustCompile(`^[A-Za-z0-9]{3,32}$`)
	// An AppID is "wx" and 16 hexadecimal digits; the case is not WeChat's to promise, so either.
	appIDPattern = regexp.MustCompile(`^wx[0-9A-Fa-f]{16}$`)
)

// Validate checks the settings the webhook needs (defaults applied first). Secret is not needed to
// receive messages and is checked by ValidateForAPI.
func (c Config) Validate() error {
	c = c.WithDefaults()
	if !tokenPattern.MatchString(c.Token) {
		return fmt.Errorf("CITYHUB_WECHAT_TOKEN 须为 3 至 32 位字母或数字 (CITYHUB_WECHAT_TOKEN must be 3 to 32 letters or digits)")
	}
	if err := c.checkAppID(); err != nil {
		return err
	}
	switch c.Mode {
	case ModePlaintext:
	case ModeCompatible, ModeSafe:
		if c.AESKey == "" {
			return fmt.Errorf("%s 模式需要 CITYHUB_WECHAT_AESKEY (mode %s needs CITYHUB_WECHAT_AESKEY)", c.Mode, c.Mode)
		}
	default:
		return fmt.Errorf("CITYHUB_WECHAT_MODE 须为 plaintext、compatible 或 safe (CITYHUB_WECHAT_MODE must be plaintext, compatible or safe, not %q)", c.Mode)
	}
	if c.AESKey != "" {
		if _, err := decodeAESKey(c.AESKey); err != nil {
			return err
		}
	}
	if err := c.checkAPI(); err != nil {
		return err
	}
	if c.Window < 0 {
		return fmt.Errorf("时间戳窗口不能为负 (the timestamp window cannot be negative)")
	}
	return nil
}

// ValidateForAPI is Validate plus the AppSecret, which calling the WeChat API (access token,
// media, customer-service messages) needs.
func (c Config) ValidateForAPI() error {
	if err := c.Validate(); err != nil {
		return err
	}
	if c.Secret == "" {
		return fmt.Errorf("调用微信接口需要 CITYHUB_WECHAT_SECRET (CITYHUB_WECHAT_SECRET is required to call the WeChat API)")
	}
	return nil
}

// ValidateClient checks only what a client of the WeChat API needs (AppID, AppSecret, API base
// URL): `cityhub wechat menu` calls the API and receives no messages.
func (c Config) ValidateClient() error {
	c = c.WithDefaults()
	if err := c.checkAppID(); err != nil {
		return err
	}
	if err := c.checkAPI(); err != nil {
		return err
	}
	if c.Secret == "" {
		return fmt.Errorf("调用微信接口需要 CITYHUB_WECHAT_SECRET (CITYHUB_WECHAT_SECRET is required to call the WeChat API)")
	}
	return nil
}

func (c Config) checkAppID() error {
	if !appIDPattern.MatchString(c.AppID) {
		return fmt.Errorf("CITYHUB_WECHAT_APPID 须为 wx 加 16 位十六进制数 (CITYHUB_WECHAT_APPID must be wx followed by 16 hex digits)")
	}
	return nil
}

func (c Config) checkAPI() error {
	if u, err := url.Parse(c.API); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("CITYHUB_WECHAT_API 须为 http 或 https 绝对地址 (CITYHUB_WECHAT_API must be an absolute http or https URL)")
	}
	return nil
}

// decodeAESKey turns the 43-character EncodingAESKey into the 32-byte AES key.
func decodeAESKey(s string) ([]byte, error) {
	if len(s) != 43 {
		return nil, fmt.Errorf("CITYHUB_WECHAT_AESKEY 须为 43 个字符 (CITYHUB_WECHAT_AESKEY must be 43 characters, not %d)", len(s))
	}
	key, err := base64.StdEncoding.DecodeString(s + "=")
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("CITYHUB_WECHAT_AESKEY 不是有效的 EncodingAESKey (CITYHUB_WECHAT_AESKEY is not a valid EncodingAESKey: base64 of 32 bytes)")
	}
	return key, nil
}
