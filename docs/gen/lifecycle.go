package main

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"cityhub/dispatcher"
)

// Lifecycle is the text of docs/lifecycle.md.
func Lifecycle() []byte {
	var b bytes.Buffer
	b.WriteString(`# 案件生命周期、角色与统计口径 · Lifecycle, roles and measures

This document is generated from the domain's own tables (package dispatcher) by ` + "`go generate ./docs`" + `;
do not edit it by hand. A test fails when it no longer matches the code.

`)
	writeStates(&b)
	writeActions(&b)
	writeRoles(&b)
	writeMeasures(&b)
	return b.Bytes()
}

func writeStates(b *bytes.Buffer) {
	b.WriteString("## States · 状态\n\nOwner: who is accountable for the case in that state (the command centre, the unit it was dispatched to, the outside agency it was transferred to, or nobody once it is finished).\n\n")
	b.WriteString("| state | 中文 | owner | open |\n|---|---|---|---|\n")
	for _, s := range dispatcher.AllStates {
		fmt.Fprintf(b, "| `%s` | %s | %s | %s |\n", s, dispatcher.StateLabel(s), dispatcher.OwnerKindOf(s), yesNo(s.IsOpen()))
	}
	b.WriteString("\n")
}

func writeActions(b *bytes.Buffer) {
	b.WriteString("## Actions · 操作\n\nEvery change of a case is one of these actions, checked in this order: the role, the unit scope, the state, then the action's own rules (see `dispatcher/effects.go`). *from* \"any\" means every state; *to* \"—\" keeps the state. Scope: *centre* — the actor works in the command centre; *owner unit* — the actor belongs to the unit that owns the case now; *visible* — the actor may see the case (the centre, or a unit that owns or owned it).\n\n")
	b.WriteString("| action | 中文 | from | to | who | scope | reason required | event |\n|---|---|---|---|---|---|---|---|\n")
	for _, t := range dispatcher.Lifecycle {
		fmt.Fprintf(b, "| `%s` | %s | %s | %s | %s | %s | %s | `%s` |\n", t.Action, dispatcher.ActionLabel(t.Action),
			states(t.From), target(t.To), roles(t.Roles), scope(t.Scope), yesNo(t.Reason), t.Event)
	}
	b.WriteString("\n")
}

func writeRoles(b *bytes.Buffer) {
	b.WriteString("## Roles · 角色\n\nWhat each role may do and see. *Contacts*: whether the role sees reporters' names and phones in full; the others see them masked and, where *reveal* says yes, may reveal one through the audited `reveal_contact` action.\n\n")
	b.WriteString("| role | 中文 | works in | logs reports | contacts | reveal | actions |\n|---|---|---|---|---|---|---|\n")
	reveal, _ := dispatcher.TransitionFor(dispatcher.ActRevealContact)
	for _, r := range dispatcher.AllRoles {
		a := sampleActor(r)
		fmt.Fprintf(b, "| `%s` | %s | %s | %s | %s | %s | %s |\n", r, dispatcher.RoleLabel(r), worksIn(r),
			yesNo(dispatcher.CanSubmit(a)), contacts(a), yesNo(reveal.AllowsRole(r)), actionsOf(r))
	}
	b.WriteString("\n")
}

// sampleActor is a person of the role where the role works: a unit's members in a street team,
// the others in the command centre.
func sampleActor(r dispatcher.Role) dispatcher.Actor {
	unit := dispatcher.CommandCentre
	if r.IsUnitMember() {
		unit = "a street team"
	}
	return dispatcher.Actor{Login: "x", Role: r, Unit: unit}
}

func worksIn(r dispatcher.Role) string {
	if r.IsUnitMember() {
		return "a unit"
	}
	return "command centre"
}

func contacts(a dispatcher.Actor) string {
	if dispatcher.CanSeeContact(a) {
		return "in full"
	}
	return "masked"
}

func actionsOf(r dispatcher.Role) string {
	var out []string
	for _, t := range dispatcher.Lifecycle {
		if t.AllowsRole(r) {
			out = append(out, "`"+t.Action+"`")
		}
	}
	if len(out) == 0 {
		return "—"
	}
	return strings.Join(out, ", ")
}

func states(ss []dispatcher.State) string {
	if ss == nil {
		return "any"
	}
	if slices.Equal(ss, dispatcher.OpenStates) {
		return "any open state"
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = "`" + string(s) + "`"
	}
	return strings.Join(out, ", ")
}

func target(s dispatcher.State) string {
	if s == "" {
		return "—"
	}
	return "`" + string(s) + "`"
}

func roles(rs []dispatcher.Role) string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = dispatcher.RoleLabel(r)
	}
	return strings.Join(out, "、")
}

func scope(s dispatcher.Scope) string {
	switch s {
	case dispatcher.ScopeOwnerUnit:
		return "owner unit"
	case dispatcher.ScopeVisible:
		return "visible"
	}
	return "centre"
}

func yesNo(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}
