// Package hotline takes the events of the hotline's telephone system (呼叫中心, CTI): ringing,
// answered and hung up, each with the call's id, the caller's number, the agent (the operator's
// login) and the recording's reference. A ringing call pops the caller's earlier cases and any
// block-list entry on that operator's console before they answer; the events build the call log
// and its measures (dispatcher/calls.go).
//
// # The endpoint
//
//	POST /intake/hotline/calls
//	Content-Type: application/json
//	X-Cityhub-Timestamp: 1764900000                (Unix seconds)
//	X-Cityhub-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" keyed by CITYHUB_HOTLINE_SECRET>
//
//	{"event": "ringing", "call_id": "20261205-0001", "caller": "13800000001", "agent": "op1",
//	 "recording": "rec/20261205/0001.wav", "at": "2026-12-05T09:00:00+08:00"}
//
// A signature that does not match, a timestamp more than five minutes from the hub's clock, or a
// request seen before (its signature is remembered for ten minutes, across instances through the
// shared KV) is refused with 401 and changes nothing; so is any request when no secret is
// configured (the route then answers 404). A body that is not the JSON above is 400 after the
// signature is checked. The same event of a call delivered again (with a fresh signature) is
// answered 200 and changes nothing. The answer is {"call": {...}}, the call as logged.
package hotline
