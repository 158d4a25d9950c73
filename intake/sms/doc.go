// Package sms tells the reporters who left a phone number (the hotline's callers and the web
// form's citizens) that their case is closed, by text message through the bureau's SMS gateway:
// everyone who reported the problem, the first reporter, the reports joined to the case and the
// reporters of cases merged into it.
//
// The gateway is whatever the bureau's telephone system or carrier offers (短信平台); the hub
// posts it a JSON request signed like the telephone system's call events:
//
//	POST <gateway URL>
//	Content-Type: application/json
//	X-Cityhub-Timestamp: 1764900000
//	X-Cityhub-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" keyed by the secret>
//
//	{"to": "13812345678", "text": "【城管热线】...", "ref": "sms:closed:1234:QJ20261205000042:0"}
//
// Any 2xx answer is delivery to the gateway; 4xx (but 408 and 429) is a refusal that retrying
// cannot cure; anything else is retried: 5 s, doubling to 30 minutes, for about a day. With no
// gateway configured the messages are queued and given up at once, so that the case's page says
// the reporter was not told and why.
//
// What is owed is queued in the outbox by following the event log (package courier), so a
// closure is told once however many instances run, and survives a restart. The queue keeps the
// case and the report, never the phone number: it is read from the case when the message goes.
package sms
