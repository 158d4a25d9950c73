package dispatcher

import (
	"strings"

	"cityhub/geo"
)

// The explanation is one zh-CN sentence stored with the case, for the operator, the unit and the
// complainant: which H3 cell the point fell in, which jurisdiction that is, and which rule chose
// the owner. The part after the cell depends only on the category and the jurisdiction, so the
// router prepares it once (the "tail") and Route only joins the cell in front.

// explanation joins the cell part and a prepared tail.
func explanation(cell, res string, exact bool, tail string) string {
	note := ""
	if exact {
		note = "，该单元靠近辖区边界，已按边界线精确判定"
	}
	return "该位置位于 H3 单元 " + cell + "（" + res + " 级" + note + "），" + tail
}

// territorialTail: the territorial unit owns the case.
func territorialTail(j *geo.Jurisdiction, owner Unit, co []Unit) string {
	return "属于" + placeName(j) + "（" + j.Authority + "），按属地原则由" + owner.DisplayName() +
		"负责办理" + coNote(co) + "。"
}

// categoryTail: the category's own unit owns the case wherever it is in the home authority.
func categoryTail(c Category, j *geo.Jurisdiction, u Unit, co []Unit) string {
	return "属于" + placeName(j) + "（" + j.Authority + "），「" + c.Name + "」（" + c.Code + "）类事件在" +
		j.Authority + "范围内统一由" + u.DisplayName() + "办理" + coNote(co) + "。"
}

// transferTail: another authority administers the place; the case is transferred out.
func transferTail(j *geo.Jurisdiction, agency Unit) string {
	return "属于" + placeName(j) + "，由" + j.Authority + "管辖，不在本局职责范围内，转交" +
		agency.DisplayName() + "办理。"
}

// coNote names the co-handlers, if any.
func coNote(co []Unit) string {
	if len(co) == 0 {
		return ""
	}
	names := make([]string, len(co))
	for i, u := range co {
		names[i] = u.DisplayName()
	}
	return "，并由" + strings.Join(names, "、") + "协同处置"
}

// placeName is the jurisdiction's name, or its code when the data gives no name.
func placeName(j *geo.Jurisdiction) string {
	if j.Name != "" {
		return j.Name
	}
	return j.Code
}
