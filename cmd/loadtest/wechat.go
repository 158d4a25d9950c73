package main

// The WeChat load: many citizens talking to the Official Account at once. Each conversation is
// the four pushes of a report (text, photo, location, 确认) sent as WeChat sends them in safe mode;
// every push is timed from request to reply. The photos are fetched by the hub from a fake WeChat
// API that answers slowly, after the replies, as the real one may.

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"cityhub/intake/wechat/wechattest"
)

// The account the load is run for (any well-formed values: the fake API knows them).
const (
	loadToken  = "cityhubLoad2026"
	loadAppID  = "wx00112233445566ff"
	loadSecret = "00112233445566778899aabbccddeeff"
	loadAESKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
)

// waitPhotos bounds the wait for the photos after the last reply.
var waitPhotos = 5 * time.Minute

// wechatEnv configures the hub for the account, its API at the fake.
func wechatEnv(api string) []string {
	return []string{"CITYHUB_WECHAT_TOKEN=" + loadToken, "CITYHUB_WECHAT_APPID=" + loadAppID,
		"CITYHUB_WECHAT_SECRET=" + loadSecret, "CITYHUB_WECHAT_AESKEY=" + loadAESKey, "CITYHUB_WECHAT_API=" + api}
}

// runWeChat starts a hub with the channel on a slow fake API and runs the conversations: first
// one at a time (the baseline), then all at once.
func runWeChat(cfg setup, conversations int, mediaDelay, think time.Duration) error {
	api := wechattest.NewAPI(loadAppID, loadSecret)
	defer api.Close()
	api.SetMediaDelay(mediaDelay)
	dir, err := os.MkdirTemp("", "cityhub-wechat-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	cfg.env = wechatEnv(api.URL)
	if cfg.redis != "" {
		cfg.prefix = fmt.Sprintf("cityhub-wechat-load-%d", time.Now().UnixNano())
		defer deleteKeys(cfg.redis, cfg.prefix)
	}
	stop, _, err := startHub(cfg, dir, addr)
	if err != nil {
		return err
	}
	defer stop()
	base := "http://" + addr
	fmt.Printf("WeChat conversations (safe mode; photos from a fake API answering in %s)\n", mediaDelay)
	baseline := talk(base, api, 20, 1, 0, "base")
	printTalk("baseline: 20 conversations, one at a time", baseline)
	paced := talk(base, api, conversations, conversations, think, "paced")
	printTalk(fmt.Sprintf("paced: %d conversations at once, each citizen taking about %s between messages", conversations, think), paced)
	burst := talk(base, api, conversations, conversations, 0, "burst")
	printTalk(fmt.Sprintf("burst: %d conversations at once, no pause between messages (the worst case)", conversations), burst)
	return waitForPhotos(base, api, 20+2*conversations)
}

// talked is what a run of conversations measured.
type talked struct {
	latencies []time.Duration // every push, request to reply
	filed     int64           // conversations answered with a case number
	failed    int64           // pushes answered with an error or not at all
	elapsed   time.Duration
}

func talk(base string, api *wechattest.API, n, parallel int, think time.Duration, tag string) talked {
	var out talked
	var mu sync.Mutex
	var next atomic.Int64
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: parallel}}
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < parallel; w++ {
		wg.Go(func() {
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				c := conversation{client: client, base: base, openID: fmt.Sprintf("o%s%022d", tag, i), think: think}
				mediaID := fmt.Sprintf("%s-photo-%d", tag, i)
				api.AddMedia(mediaID, photoBytes(int(i)), "image/jpeg")
				lat, filed, failed := c.report(mediaID, int(i))
				mu.Lock()
				out.latencies = append(out.latencies, lat...)
				out.failed += failed
				if filed {
					out.filed++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	out.elapsed = time.Since(start)
	return out
}

func printTalk(title string, t talked) {
	p := percentiles(t.latencies)
	over := 0
	for _, d := range t.latencies {
		if d >= 5*time.Second {
			over++
		}
	}
	fmt.Printf("  %s: %d pushes in %s, %d filed, %d failed\n", title, len(t.latencies), t.elapsed.Round(time.Millisecond), t.filed, t.failed)
	fmt.Printf("    reply latency p50 %s  p90 %s  p99 %s  max %s; %d at or over WeChat's 5 s\n",
		p(0.50).Round(100*time.Microsecond), p(0.90).Round(100*time.Microsecond), p(0.99).Round(100*time.Microsecond),
		p(1).Round(100*time.Microsecond), over)
}

// conversation is one citizen reporting one problem.
type conversation struct {
	client *http.Client
	base   string
	openID string
	think  time.Duration // the citizen's pause before each message, ±50%
}

var loadMsgID atomic.Uint64

func (c *conversation) report(mediaID string, i int) ([]time.Duration, bool, int64) {
	a := areas[i%len(areas)]
	y, x := a[0]+float64(i%97)/97*(a[1]-a[0]), a[2]+float64(i%89)/89*(a[3]-a[2])
	pushes := []string{
		"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[人行道上有流动摊贩，负载测试]]></Content>",
		"<MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[http://mmbiz.qpic.cn/x]]></PicUrl><MediaId><![CDATA[" + mediaID + "]]></MediaId>",
		fmt.Sprintf("<MsgType><![CDATA[location]]></MsgType><Location_X>%.6f</Location_X><Location_Y>%.6f</Location_Y><Scale>16</Scale><Label><![CDATA[负载测试路]]></Label>", y+0.0025, x-0.0035), // about GCJ-02
		"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[确认]]></Content>",
	}
	var lat []time.Duration
	var failed int64
	reply := ""
	for _, p := range pushes {
		if c.think > 0 {
			time.Sleep(c.think/2 + time.Duration(mrand.Int64N(int64(c.think))))
		}
		t0 := time.Now()
		r, err := c.push(p)
		if err != nil {
			failed++
			continue
		}
		lat = append(lat, time.Since(t0))
		reply = r
	}
	return lat, strings.Contains(reply, "案件编号"), failed
}

// push sends one message as WeChat does in safe mode and returns the reply's text.
func (c *conversation) push(fields string) (string, error) {
	plain := fmt.Sprintf("<xml><ToUserName><![CDATA[gh_load]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName><CreateTime>%d</CreateTime>%s<MsgId>%d</MsgId></xml>",
		c.openID, time.Now().Unix(), fields, loadMsgID.Add(1)+uint64(time.Now().UnixNano()))
	enc, err := encryptPush([]byte(plain))
	if err != nil {
		return "", err
	}
	ts, nonce := strconv.FormatInt(time.Now().Unix(), 10), strconv.Itoa(int(loadMsgID.Add(1)))
	q := url.Values{"timestamp": {ts}, "nonce": {nonce}, "encrypt_type": {"aes"},
		"signature": {sign(loadToken, ts, nonce)}, "msg_signature": {sign(loadToken, ts, nonce, enc)}}
	body := "<xml><ToUserName><![CDATA[gh_load]]></ToUserName><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>"
	resp, err := c.client.Post(c.base+"/intake/wechat?"+q.Encode(), "text/xml", strings.NewReader(body))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%d %s", resp.StatusCode, b)
	}
	return openReply(b)
}

// The WeChat side of the crypto (DOMAIN.md): AES-256-CBC, IV the key's first 16 bytes, PKCS#7 to
// 32 bytes, plaintext = 16 random bytes, 4-byte length, message, AppID.
func aesKey() []byte {
	k, _ := base64.StdEncoding.DecodeString(loadAESKey + "=")
	return k
}

func encryptPush(msg []byte) (string, error) {
	var buf bytes.Buffer
	random := make([]byte, 16)
	rand.Read(random)
	buf.Write(random)
	binary.Write(&buf, binary.BigEndian, uint32(len(msg)))
	buf.Write(msg)
	buf.WriteString(loadAppID)
	pad := 32 - buf.Len()%32
	buf.Write(bytes.Repeat([]byte{byte(pad)}, pad))
	key := aesKey()
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	out := make([]byte, buf.Len())
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(out, buf.Bytes())
	return base64.StdEncoding.EncodeToString(out), nil
}

func openReply(body []byte) (string, error) {
	if string(body) == "success" {
		return "", nil
	}
	var env struct{ Encrypt string }
	if err := xml.Unmarshal(body, &env); err != nil {
		return "", err
	}
	data, err := base64.StdEncoding.DecodeString(env.Encrypt)
	if err != nil || len(data) < 32 || len(data)%16 != 0 {
		return "", errors.New("reply: bad ciphertext")
	}
	key := aesKey()
	block, _ := aes.NewCipher(key)
	cipher.NewCBCDecrypter(block, key[:16]).CryptBlocks(data, data)
	n := int(binary.BigEndian.Uint32(data[16:20]))
	if 20+n > len(data) {
		return "", errors.New("reply: bad length")
	}
	var r struct{ Content string }
	err = xml.Unmarshal(data[20:20+n], &r)
	return r.Content, err
}

func sign(parts ...string) string {
	sort.Strings(parts)
	h := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(h[:])
}

// photoBytes is a small JPEG of its own for each conversation.
func photoBytes(seed int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for i := 0; i < 64*48; i++ {
		img.Set(i%64, i/64, color.RGBA{uint8(seed), uint8(seed >> 8), uint8(i), 255})
	}
	var buf bytes.Buffer
	_ = jpeg.Encode(&buf, img, nil)
	return buf.Bytes()
}

// waitForPhotos waits until every photo has been downloaded and attached to its case, and says
// how long the slow work took after the last reply.
func waitForPhotos(base string, api *wechattest.API, want int) error {
	token, err := login(strings.TrimPrefix(base, "http://"), "op1", "load-test")
	if err != nil {
		return err
	}
	start := time.Now()
	n := 0
	for time.Since(start) < waitPhotos {
		n, err = casesWithMedia(base, token)
		if err == nil && n >= want {
			fmt.Printf("  photos: all %d downloaded (%d API calls) and attached %s after the last reply\n",
				want, api.MediaCount(), time.Since(start).Round(100*time.Millisecond))
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("photos: %d of %d attached after %s (%d API calls)", n, want, waitPhotos, api.MediaCount())
}

func casesWithMedia(base, token string) (int, error) {
	n := 0
	for offset := 0; ; offset += 1000 {
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/cases?channel=wechat&limit=1000&offset=%d", base, offset), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err
		}
		var page struct {
			Cases []struct {
				Media []string `json:"media"`
			} `json:"cases"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			return 0, err
		}
		for _, c := range page.Cases {
			if len(c.Media) > 0 {
				n++
			}
		}
		if len(page.Cases) < 1000 {
			return n, nil
		}
	}
}
