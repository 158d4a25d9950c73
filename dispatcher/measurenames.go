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
