package dispatcher

// DistrictName names the one row of DimAll.
const DistrictName = "全区"

// KeyName is the Chinese name of a key of a dimension, as the leaders' tables show it: the
// unit's short name, the jurisdiction's, the category's, the channel's label. A key the reference
// data no longer knows (a unit since removed) is shown as its code.
func (s *Service) KeyName(dim, key string) string {
	switch dim {
	case DimAll:
		return DistrictName
	case DimUnit:
		if u, ok := s.Unit(key); ok {
			return u.DisplayName()
		}
	case DimJurisdiction:
		s.mu.RLock()
		name := s.places[key]
		s.mu.RUnlock()
		if name != "" {
			return name
		}
	case DimCategory:
		if c, ok := s.Category(key); ok {
			return c.Name
		}
	case DimChannel:
		return ChannelLabel(key)
	}
	return key
}

var measureLabels = map[string]string{
	MReceived: "受理数", MRegistered: "立案数", MDispatched: "派遣数", MAckDue: "应签收数",
	MAckOnTime: "按时签收数", MAcknowledged: "签收数", MAckSeconds: "签收用时(秒)", MResolved: "处置数",
	MHandleSeconds: "处置用时(秒)", MChecked: "核查数", MCheckSeconds: "核查用时(秒)", MClosed: "结案数",
	MClosedOnTime: "按期结案数", MAnswered: "答复数", MRejected: "不予立案数", MVoided: "作废数",
	MMerged: "合并数", MReports: "来件数", MReworks: "返工数", MReturns: "回退数", MExtensions: "延期数",
	MFollowedUp: "回访数", MSatisfied: "满意数", MOverdueOpen: "超期未结",
	RateClosure: "办结率", RateOnTimeClose: "按期结案率", RateOnTimeAck: "及时签收率",
	RateRework: "返工率", RateReturn: "回退率", RateExtension: "延期率", RateSatisfied: "满意率",
}

// MeasureLabel is the Chinese name of a measure or a rate.
func MeasureLabel(m string) string { return labelOr(measureLabels[m], m) }

// TableMeasures are the counters a measures table shows, in order (the step seconds are shown as
// averages by the accountability table instead), and TableRates its rates.
var (
	TableMeasures = []string{MReceived, MReports, MRegistered, MDispatched, MClosed, MClosedOnTime, MAnswered,
		MRejected, MVoided, MMerged, MReturns, MReworks, MExtensions, MAckDue, MAckOnTime,
		MFollowedUp, MSatisfied, MOverdueOpen}
	TableRates = []string{RateClosure, RateOnTimeClose, RateOnTimeAck, RateReturn, RateRework,
		RateExtension, RateSatisfied}
)
