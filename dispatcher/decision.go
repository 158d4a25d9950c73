package dispatcher

import (
	"encoding/json"
	"strings"
)

// Decision kinds: the closed list of what a unit may decide when it resolves a case (执法决定).
// Advice is not an enforcement act; every other kind is. Demolition, confiscation and a fine at or
// above the catalogue's MajorFine are major decisions (重大执法决定), which take effect only after a
// legal reviewer approved that very decision.
const (
	DecisionAdvice       = "advice"       // 劝导教育: advice or education, not an enforcement act
	DecisionOrder        = "order"        // 责令改正 / 责令限期整改: an order to correct, by a date
	DecisionWarning      = "warning"      // 警告
	DecisionFine         = "fine"         // 罚款, with an amount in yuan
	DecisionSeizure      = "seizure"      // 暂扣: goods or tools held
	DecisionConfiscation = "confiscation" // 没收: major
	DecisionSealing      = "sealing"      // 查封
	DecisionDemolition   = "demolition"   // 强制拆除: major
)

// DecisionKinds lists the kinds in order of severity.
var DecisionKinds = []string{DecisionAdvice, DecisionOrder, DecisionWarning, DecisionFine,
	DecisionSeizure, DecisionSealing, DecisionConfiscation, DecisionDemolition}

var decisionLabels = map[string]string{
	DecisionAdvice: "劝导教育", DecisionOrder: "责令改正/责令限期整改", DecisionWarning: "警告",
	DecisionFine: "罚款", DecisionSeizure: "暂扣", DecisionConfiscation: "没收",
	DecisionSealing: "查封", DecisionDemolition: "强制拆除",
}

// decisionNames maps the Chinese names a console may send to the kinds.
var decisionNames = map[string]string{
	"劝导": DecisionAdvice, "教育": DecisionAdvice, "劝导教育": DecisionAdvice,
	"责令改正": DecisionOrder, "责令限期整改": DecisionOrder, "责令限期改正": DecisionOrder,
	"警告": DecisionWarning, "罚款": DecisionFine, "暂扣": DecisionSeizure, "没收": DecisionConfiscation,
	"查封": DecisionSealing, "强制拆除": DecisionDemolition,
}

// DecisionLabel is the Chinese name of a decision kind.
func DecisionLabel(kind string) string { return labelOr(decisionLabels[kind], kind) }

// Decision is what a unit decides on a case, as structured data: a kind from the closed list, the
// amount of a fine, and the decision as written. Two decisions are the same decision when all three
// are equal: that is what a legal review approves and what a major resolution must carry unchanged.
type Decision struct {
	Kind   string `json:"kind"`
	Amount int64  `json:"amount,omitempty"` // yuan; fines only
	Text   string `json:"text"`
}

// UnmarshalJSON also reads the free-text decision that cases stored before decisions were
// structured carry (a legal review's "decision": "罚款 2000 元"): it becomes a decision of no kind,
// which no resolution can match.
func (d *Decision) UnmarshalJSON(b []byte) error {
	var text string
	if json.Unmarshal(b, &text) == nil {
		*d = Decision{Text: text}
		return nil
	}
	type plain Decision
	return json.Unmarshal(b, (*plain)(d))
}

// EnforcementAct reports whether the decision is an enforcement act (行政执法行为): every kind but
// advice.
func (d Decision) EnforcementAct() bool { return d.Kind != DecisionAdvice }

// Major reports whether the decision is a major one that needs legal review: demolition,
// confiscation, or a fine of majorFine yuan or more.
func (d Decision) Major(majorFine int64) bool {
	switch d.Kind {
	case DecisionDemolition, DecisionConfiscation:
		return true
	case DecisionFine:
		return d.Amount >= majorFine
	}
	return false
}

// normalise checks a decision sent by a client and turns a Chinese kind name into its code. field
// names the request field in errors.
func (d *Decision) normalise(field string) error {
	if kind, ok := decisionNames[strings.TrimSpace(d.Kind)]; ok {
		d.Kind = kind
	}
	if _, ok := decisionLabels[d.Kind]; !ok {
		return FieldError(field+".kind", "未知的决定种类 %q，须为 %s (kind must be one of %s)", d.Kind,
			strings.Join(DecisionKinds, "、"), strings.Join(DecisionKinds, ", "))
	}
	switch {
	case d.Kind == DecisionFine && d.Amount <= 0:
		return FieldError(field+".amount", "罚款须写明金额（元） (a fine needs its amount in yuan)")
	case d.Kind != DecisionFine && d.Amount != 0:
		return FieldError(field+".amount", "只有罚款有金额 (only a fine has an amount)")
	case strings.TrimSpace(d.Text) == "":
		return FieldError(field+".text", "请填写决定内容 (the decision's text is required)")
	}
	return validateText(d.Text)
}
