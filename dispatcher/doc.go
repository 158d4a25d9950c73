// Package dispatcher is the domain of the hub: what a case is, what may happen to it, who may do
// it and by when. Every other package adapts a technology or a channel to it; it knows none of
// them (it imports only geo, the geometry its routing policy applies).
//
// # The one writer
//
// Service is the only writer of case state. A report becomes a case through Service.Submit; every
// later change is an action through Service.Act, checked against the lifecycle table (role, unit
// scope, state, then the action's own rules) and written as hash-chained events in the same
// transaction as the case row and the measures' tallies; Service.Tick writes the deadline marks.
// Refused actions change nothing. After a write commits, the Bus is rung so that consoles on every
// instance read the new events from the Store.
//
// # Files
//
//   - case.go, lifecycle.go, labels.go: the Case, its states and roles, the transition table as
//     data, and the Chinese names consoles show.
//   - submit.go, act.go, change.go, effects.go, access.go, mask.go: intake, actions, the change a
//     write collects (events, tallies), each action's own rules, who may see and do what, and the
//     masking of reporters' contacts.
//   - clock.go, clockops.go, calendar.go, scheduler.go: time limits counted in working time on
//     the bureau's calendar, their warnings and overdue marks.
//   - measures.go, tally.go: the measures leaders watch, kept as tallies written with the events.
//   - routing.go, routingpolicy.go, routingexplain.go: points and datums (geo's), the Router
//     interface, and the bureau's routing policy over geo's jurisdiction index, with the one-line
//     explanation stored on every case.
//   - hash.go, canonjson.go, audit.go: the hash chain of each case and its verification.
//   - store.go, bus.go, limits.go, copy.go: the Store and Bus interfaces the adapters implement,
//     the in-process Bus, rate limits and de-duplication windows, and the copy between stores.
//   - reference.go, accounts.go, keycache.go, errors.go: reference data, accounts, tokens and
//     Open311 api keys, and the one error type whose codes every channel maps to its own terms.
package dispatcher
