package wechat

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cityhub/dispatcher"
)

// vector is the union of the fields of testdata/*.json.
type vector struct {
	Token, Timestamp, Nonce string
	EncodingAESKey          string `json:"encoding_aes_key"`
	AppID                   string `json:"app_id"`
	MsgSignature            string `json:"msg_signature"`
	Signature               string `json:"signature"`
	Encrypt                 string `json:"encrypt"`
	PlaintextXML            string `json:"plaintext_xml"`
	Random16                string `json:"random_16"`
	PostBody                string `json:"post_body"`
	ExpectedReplyBody       string `json:"expected_reply_body"`
	Reply                   *struct {
		Plaintext, Timestamp, Nonce, Encrypt string
		Random16X                            string `json:"random_16"`
		MsgSignature                         string `json:"msg_signature"`
	}
	Cases []struct {
		PlaintextXML string `json:"plaintext_xml"`
		Encrypt      string
		MsgSig       string `json:"msg_signature_computed_locally_not_published"`
	}
}

func loadVector(t testing.TB, name string) vector {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var v vector
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

func mustCrypter(t testing.TB, key, appID string) *crypter {
	t.Helper()
	c, err := newCrypter(key, appID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestURLSignatureVectors(t *testing.T) {
	var f struct {
		Cases []struct {
			What, Token, Timestamp, Nonce, Signature string
			Params                                   []string
		}
	}
	b, err := os.ReadFile("testdata/url-signature.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) != 5 {
		t.Fatalf("%d cases, want 5", len(f.Cases))
	}
	for _, c := range f.Cases {
		params := c.Params
		if params == nil {
			params = []string{c.Token, c.Timestamp, c.Nonce}
		}
		if got := Signature(params...); got != c.Signature {
			t.Errorf("%s: signature %s, want %s", c.What, got, c.Signature)
		}
		if !signatureOK(c.Signature, params...) || signatureOK(c.Signature, append(params, "x")...) {
			t.Errorf("%s: signatureOK disagrees", c.What)
		}
	}
}

// Every inbound vector: msg_signature (and the plain signature where published), decryption, the
// message and the appid tail (a crypter of another AppID refuses it).
func TestInboundVectors(t *testing.T) {
	for _, name := range []string{"official-python-sample-text.json", "wechatpy-work-inbound.json", "official-doc-message-push-aes.json"} {
		t.Run(name, func(t *testing.T) {
			v := loadVector(t, name)
			if got := Signature(v.Token, v.Timestamp, v.Nonce, v.Encrypt); got != v.MsgSignature {
				t.Errorf("msg_signature %s, want %s", got, v.MsgSignature)
			}
			if v.Signature != "" && Signature(v.Token, v.Timestamp, v.Nonce) != v.Signature {
				t.Errorf("signature mismatch")
			}
			c := mustCrypter(t, v.EncodingAESKey, v.AppID)
			got, err := c.decrypt(v.Encrypt)
			if err != nil {
				t.Fatalf("decrypt: %v", err)
			}
			if string(got) != v.PlaintextXML {
				t.Errorf("plaintext\n%q\nwant\n%q", got, v.PlaintextXML)
			}
			// The random prefix is the published one: the layout is read at the right offsets.
			data, _ := base64.StdEncoding.DecodeString(v.Encrypt)
			plain := make([]byte, len(data))
			copy(plain, data)
			decryptRaw(c, plain)
			if string(plain[:16]) != v.Random16 {
				t.Errorf("random %q, want %q", plain[:16], v.Random16)
			}
			other := mustCrypter(t, v.EncodingAESKey, "wx0000000000000000")
			if _, err := other.decrypt(v.Encrypt); dispatcher.ErrorCode(err) != dispatcher.EForbidden {
				t.Errorf("wrong AppID: err %v, want forbidden", err)
			}
			// Re-encrypting with the published random gives the published ciphertext.
			if again := c.encrypt([]byte(v.Random16), got); again != v.Encrypt {
				t.Errorf("re-encryption differs:\n%s\nwant\n%s", again, v.Encrypt)
			}
		})
	}
}

func decryptRaw(c *crypter, b []byte) {
	for i := len(b) - 16; i >= 0; i -= 16 {
		prev := c.iv
		if i > 0 {
			prev = b[i-16 : i]
		}
		blk := b[i : i+16]
		c.block.Decrypt(blk, blk)
		for j := range blk {
			blk[j] ^= prev[j]
		}
	}
}

// The reply vectors are reproduced byte for byte from their fixed random bytes, and so is the
// whole reply body where one was published.
func TestReplyVectors(t *testing.T) {
	t.Run("wechatpy", func(t *testing.T) {
		v := loadVector(t, "wechatpy-work-reply.json")
		c := mustCrypter(t, v.EncodingAESKey, v.AppID)
		enc := c.encrypt([]byte(v.Random16), []byte(v.PlaintextXML))
		if enc != v.Encrypt {
			t.Fatalf("encrypt\n%s\nwant\n%s", enc, v.Encrypt)
		}
		if got := string(envelope(v.Token, enc, v.Timestamp, v.Nonce)); got != v.ExpectedReplyBody {
			t.Errorf("reply body\n%s\nwant\n%s", got, v.ExpectedReplyBody)
		}
		if Signature(v.Token, v.Timestamp, v.Nonce, enc) != v.MsgSignature {
			t.Error("msg_signature")
		}
	})
	t.Run("official-doc", func(t *testing.T) {
		v := loadVector(t, "official-doc-message-push-aes.json")
		r := v.Reply
		c := mustCrypter(t, v.EncodingAESKey, v.AppID)
		enc := c.encrypt([]byte(r.Random16X), []byte(r.Plaintext))
		if enc != r.Encrypt {
			t.Fatalf("encrypt\n%s\nwant\n%s", enc, r.Encrypt)
		}
		if got := Signature(v.Token, r.Timestamp, r.Nonce, enc); got != r.MsgSignature {
			t.Errorf("msg_signature %s, want %s", got, r.MsgSignature)
		}
		if back, err := c.decrypt(enc); err != nil || string(back) != r.Plaintext {
			t.Errorf("decrypt back: %q, %v", back, err)
		}
	})
	t.Run("wxjava", func(t *testing.T) {
		v := loadVector(t, "wxjava-deterministic-encrypt.json")
		c := mustCrypter(t, v.EncodingAESKey, v.AppID)
		if len(v.Cases) != 2 {
			t.Fatalf("%d cases", len(v.Cases))
		}
		for i, k := range v.Cases {
			enc := c.encrypt([]byte(v.Random16), []byte(k.PlaintextXML))
			if enc != k.Encrypt {
				t.Errorf("case %d: encrypt\n%s\nwant\n%s", i, enc, k.Encrypt)
			}
			if Signature(v.Token, v.Timestamp, v.Nonce, enc) != k.MsgSig {
				t.Errorf("case %d: msg_signature", i)
			}
			if back, err := c.decrypt(enc); err != nil || string(back) != k.PlaintextXML {
				t.Errorf("case %d: decrypt back: %v", i, err)
			}
		}
	})
}

// sealRaw encrypts an arbitrary plaintext (no layout, no padding added) with c's key and IV, to
// build malformed ciphertexts.
func sealRaw(c *crypter, plain []byte) string {
	b := append([]byte(nil), plain...)
	prev := c.iv
	for i := 0; i < len(b); i += 16 {
		blk := b[i : i+16]
		for j := range blk {
			blk[j] ^= prev[j]
		}
		c.block.Encrypt(blk, blk)
		prev = blk
	}
	return base64.StdEncoding.EncodeToString(b)
}

// layout is random + length + msg + appid, unpadded.
func layout(n uint32, msg, appID string) []byte {
	b := []byte("0123456789abcdef")
	b = append(b, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	return append(append(b, msg...), appID...)
}

func padded(b []byte, pad int) []byte {
	for range pad {
		b = append(b, byte(pad))
	}
	return b
}

const testKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
const testAppID = "wx2c2769f8efd9abc2"

func TestDecryptRefusals(t *testing.T) {
	c := mustCrypter(t, testKey, testAppID)
	good := layout(5, "hello", testAppID) // 43 bytes: pad 21 to 64
	badPadValue := padded(append([]byte(nil), good...), 21)
	badPadValue[len(badPadValue)-2] = 20
	tests := []struct {
		name, enc, code, why string
	}{
		{"not base64", "%%%notbase64", dispatcher.EInvalid, "base64"},
		{"empty", "", dispatcher.EInvalid, "16"},
		{"not a multiple of 16", base64.StdEncoding.EncodeToString(make([]byte, 40)), dispatcher.EInvalid, "16"},
		{"pad 0", sealRaw(c, append(padded(append([]byte(nil), good...), 20), 0)), dispatcher.EInvalid, "padding"},
		{"pad 33", sealRaw(c, padded(layout(25, strings.Repeat("h", 25), testAppID), 33)), dispatcher.EInvalid, "padding"}, // 63 + 33 = 96
		{"pad bytes differ", sealRaw(c, badPadValue), dispatcher.EInvalid, "padding"},
		{"length beyond data", sealRaw(c, padded(layout(500, "hello", testAppID), 21)), dispatcher.EInvalid, "length beyond"},
		{"too short for the layout", sealRaw(c, padded([]byte("0123456789ab"), 4)), dispatcher.EInvalid, "too short"},
		{"wrong appid", sealRaw(c, padded(layout(5, "hello", "wx2c2769f8efd9abc3"), 21)), dispatcher.EForbidden, "AppID"},
		{"appid missing", sealRaw(c, padded(layout(5, "hello", ""), 7)), dispatcher.EForbidden, "AppID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.decrypt(tt.enc)
			if dispatcher.ErrorCode(err) != tt.code || !strings.Contains(dispatcher.ErrorMessage(err), tt.why) {
				t.Errorf("err %v, want code %s about %q", err, tt.code, tt.why)
			}
		})
	}
	// The well-formed one is accepted, so each refusal above is for its own defect.
	if msg, err := c.decrypt(sealRaw(c, padded(append([]byte(nil), good...), 21))); err != nil || string(msg) != "hello" {
		t.Fatalf("good: %q %v", msg, err)
	}
}

// A ciphertext that is a multiple of 16 but not of 32, with valid padding, is accepted (see doc.go).
func TestDecryptSixteenAligned(t *testing.T) {
	c := mustCrypter(t, testKey, testAppID)
	b := layout(5, "hello", testAppID) // 43 bytes -> 48 with pad 5
	if msg, err := c.decrypt(sealRaw(c, padded(b, 5))); err != nil || string(msg) != "hello" {
		t.Fatalf("%q %v", msg, err)
	}
}

func TestEncryptFresh(t *testing.T) {
	c := mustCrypter(t, testKey, testAppID)
	a, b := c.encrypt(freshRandom(), []byte("x")), c.encrypt(freshRandom(), []byte("x"))
	if a == b {
		t.Error("two encryptions of one text are identical: random bytes not fresh")
	}
	if freshNonce() == freshNonce() && freshNonce() == freshNonce() {
		t.Error("nonces repeat")
	}
}
