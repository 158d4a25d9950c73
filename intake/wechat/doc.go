// Package wechat is the hub's WeChat Official Account (微信公众号) channel: the protocol layer
// (this file's siblings config.go, crypto.go, message.go, reply.go, webhook.go, dedup.go), the API
// client (api.go, menu.go) and the conversation that turns messages into reports.
//
// # Protocol
//
// Webhook is the account's server URL (服务器地址). The lead mounts it; it serves:
//
//	GET  ?signature&timestamp&nonce&echostr      URL check: echostr back verbatim (text/plain)
//	POST ?signature&timestamp&nonce&openid       plaintext message or event (XML body)
//	POST ...&encrypt_type=aes&msg_signature      encrypted: <xml><ToUserName/><Encrypt/></xml>
//
// signature is sha1 over the sorted, concatenated (token, timestamp, nonce); msg_signature adds
// the Encrypt text and is the one checked for encrypted pushes (signature does not cover the
// body). Encrypt is AES-256-CBC with key = base64(EncodingAESKey + "="), IV = key[:16], PKCS#7
// padding to 32 bytes, over 16 random bytes, the message length (4 bytes, big-endian), the
// message and the AppID. Signatures are compared in constant time.
//
// # Decisions
//
//   - Mode (CITYHUB_WECHAT_MODE): safe accepts only encrypt_type=aes POSTs, plaintext only plain
//     ones, compatible both. "" is safe when an AESKey is set, plaintext otherwise. A push is
//     answered the way it came: encrypted (fresh random bytes and nonce each time) or plain. In
//     compatible mode the body's plaintext copy is ignored in favour of the decrypted one, the
//     only one authenticated.
//   - Timestamps more than Config.Window (5 minutes) from now, either way, are refused (403), on
//     GET as on POST: a captured request cannot be replayed later.
//   - Refusals are plain text "中文 (English)" with the status of their dispatcher error code
//     (web/httperr): 400 malformed (not a single <xml> element, DOCTYPE or ENTITY, bad base64,
//     ciphertext not a multiple of 16, bad padding, length beyond the data, bad numbers), 401 bad
//     signature or timestamp, 403 wrong AppID, timestamp outside the window, mode not accepted,
//     413 body over 256 KiB, 405 other methods. A refused request never reaches the Responder.
//   - Padding: every pad byte is checked and the pad is 1..32; a ciphertext that is a multiple of
//     16 but not 32 is accepted if its padding is valid (WeChat always pads to 32).
//   - Retries: WeChat repeats a push it got no answer to within 5 seconds, to any instance. The
//     first delivery claims wechat:msg:<DedupKey> in the shared dispatcher.KV; a duplicate answers
//     the recorded reply (encrypted afresh), or "success" if the first is still at work after 4 s.
//     A Responder error answers 500 and releases the claim, so that the retry is handled.
//   - Logs never hold message content nor an OpenID: an OpenID appears as a short hash.
package wechat
