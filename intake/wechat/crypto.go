package wechat

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"math/big"
	"slices"
	"strings"

	"cityhub/dispatcher"
)

// Signature is WeChat's signature: the SHA-1 of the parts sorted and concatenated, in lowercase
// hex. signature is over (token, timestamp, nonce); msg_signature adds the Encrypt text.
func Signature(parts ...string) string {
	sorted := slices.Clone(parts)
	slices.Sort(sorted)
	sum := sha1.Sum([]byte(strings.Join(sorted, "")))
	return hex.EncodeToString(sum[:])
}

// signatureOK compares in constant time, so that a forger learns nothing from how fast a guess
// is refused.
func signatureOK(got string, parts ...string) bool {
	want := Signature(parts...)
	return subtle.ConstantTimeCompare([]byte(strings.ToLower(got)), []byte(want)) == 1
}

// padBlock is the block of WeChat's PKCS#7 padding: 32 bytes, twice AES's block.
const padBlock = 32

// crypter encrypts and decrypts message bodies with the account's EncodingAESKey.
type crypter struct {
	block cipher.Block
	iv    []byte
	appID string
}

func newCrypter(aesKey, appID string) (*crypter, error) {
	key, err := decodeAESKey(aesKey)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return &crypter{block: block, iv: key[:16], appID: appID}, nil
}

func invalid(format string, args ...any) error {
	return dispatcher.Errorf(dispatcher.EInvalid, format, args...)
}

// decrypt opens an Encrypt text and returns the message inside. The appid tail must be the
// account's: a message encrypted for another account (same key reused) is refused.
func (c *crypter) decrypt(encrypted string) ([]byte, error) {
	data, err := base64.StdEncoding.DecodeString(encrypted)
	if err != nil {
		return nil, invalid("密文不是有效的 base64 (Encrypt is not valid base64)")
	}
	if len(data) == 0 || len(data)%aes.BlockSize != 0 {
		return nil, invalid("密文长度不是 16 的倍数 (ciphertext length is not a multiple of 16)")
	}
	plain := make([]byte, len(data))
	cipher.NewCBCDecrypter(c.block, c.iv).CryptBlocks(plain, data)
	plain, err = unpad(plain)
	if err != nil {
		return nil, err
	}
	if len(plain) < 20 {
		return nil, invalid("明文过短 (plaintext too short)")
	}
	n := binary.BigEndian.Uint32(plain[16:20])
	if uint64(n) > uint64(len(plain)-20) {
		return nil, invalid("消息长度超出数据 (message length beyond the data)")
	}
	msg, tail := plain[20:20+n], plain[20+n:]
	if subtle.ConstantTimeCompare(tail, []byte(c.appID)) != 1 {
		return nil, dispatcher.Errorf(dispatcher.EForbidden, "消息不属于本公众号 (message is for another AppID)")
	}
	return msg, nil
}

// unpad strips PKCS#7 padding of 1 to 32 bytes, every one of which must carry the pad length.
func unpad(b []byte) ([]byte, error) {
	n := int(b[len(b)-1])
	if n < 1 || n > padBlock || n > len(b) {
		return nil, invalid("填充无效 (bad padding)")
	}
	for _, p := range b[len(b)-n:] {
		if int(p) != n {
			return nil, invalid("填充无效 (bad padding)")
		}
	}
	return b[:len(b)-n], nil
}

// encrypt seals msg with the given 16 random bytes: the deterministic core, which the vectors test.
func (c *crypter) encrypt(random, msg []byte) string {
	plain := make([]byte, 0, 20+len(msg)+len(c.appID)+padBlock)
	plain = append(plain, random[:16]...)
	plain = binary.BigEndian.AppendUint32(plain, uint32(len(msg)))
	plain = append(plain, msg...)
	plain = append(plain, c.appID...)
	pad := padBlock - len(plain)%padBlock
	for range pad {
		plain = append(plain, byte(pad))
	}
	cipher.NewCBCEncrypter(c.block, c.iv).CryptBlocks(plain, plain)
	return base64.StdEncoding.EncodeToString(plain)
}

// envelope is the encrypted reply body, laid out as WeChat's own samples lay it out.
func envelope(token, encrypted, timestamp, nonce string) []byte {
	sig := Signature(token, timestamp, nonce, encrypted)
	return []byte("<xml>\n<Encrypt><![CDATA[" + encrypted + "]]></Encrypt>\n" +
		"<MsgSignature><![CDATA[" + sig + "]]></MsgSignature>\n" +
		"<TimeStamp>" + timestamp + "</TimeStamp>\n" +
		"<Nonce><![CDATA[" + nonce + "]]></Nonce>\n</xml>")
}

// freshRandom returns the 16 random bytes that open every encrypted message: never reused, so
// that two replies of the same text do not share a ciphertext.
func freshRandom() []byte {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+): it crashes the program instead
	return b
}

// freshNonce is a decimal nonce like the ones WeChat sends (up to ten digits).
func freshNonce() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(1e10))
	return n.String()
}
