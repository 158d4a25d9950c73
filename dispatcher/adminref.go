package dispatcher

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"time"
)

// The admin API's reference data: the work calendar of each year, the catalogue's limits and
// routes, the gazetteer. A change is made to the reference data as the store holds it now, checked
// as a hub loading it would check it, saved with its log entry over the version it was read at,
// and put in force on this instance at once; the other instances reload it within their refresh
// interval (ten seconds), as after `cityhub import`.

// changeReference applies change to the stored reference data and saves it (see above). change
// returns the thing changed as it was and as it became, for the log.
func (s *Service) changeReference(ctx context.Context, actor Actor, action, target string,
	change func(ref *Reference) (before, after any, err error)) error {
	version, err := s.store.ReferenceVersion(ctx)
	if err != nil {
		return err
	}
	ref, err := s.store.Reference(ctx) // read after its version: a save in between fails the write
	if err != nil {
		return err
	}
	before, after, err := change(ref)
	if err != nil {
		return err
	}
	router, err := s.checkReference(ref)
	if err != nil {
		return err
	}
	_, err = s.store.WriteAdmin(ctx, AdminWrite{Reference: ref, ReferenceVersion: version,
		Entry: s.adminEntry(actor, action, target, before, after)})
	if err != nil {
		return err
	}
	return s.Reconfigure(ref, router)
}

// checkReference checks changed reference data as a hub loading it would, and returns its router.
func (s *Service) checkReference(ref *Reference) (Router, error) {
	if err := ref.Validate(); err != nil {
		return nil, FieldError("body", "参考数据校验失败：%v (the reference data would not load: %v)", err, err)
	}
	if _, err := NewCalendar(ref.Calendar); err != nil {
		return nil, FieldError("body", "工作日历校验失败：%v (the calendar would not load: %v)", err, err)
	}
	router, err := s.RouterFor(ref)
	if err != nil {
		return nil, FieldError("body", "路由规则校验失败：%v (the routing policy would not build: %v)", err, err)
	}
	return router, nil
}

// RouterFor returns a router for ref: the one in force when ref has the same units, catalogue and
// jurisdictions as the reference data in force (a change of the calendar or the gazetteer), since
// building one takes a good part of a second; otherwise a new RoutingPolicy.
func (s *Service) RouterFor(ref *Reference) (Router, error) {
	s.mu.RLock()
	cur, router := s.ref, s.router
	s.mu.RUnlock()
	if cur != nil && bytes.Equal(cur.Jurisdictions, ref.Jurisdictions) && reflect.DeepEqual(cur.Units, ref.Units) &&
		reflect.DeepEqual(cur.Catalogue, ref.Catalogue) {
		return router, nil
	}
	return NewRoutingPolicy(ref)
}

// storedReference is the reference data as the store holds it now (an admin reads what the
// other instances may not have reloaded yet).
func (s *Service) storedReference(ctx context.Context, actor Actor) (*Reference, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	return s.store.Reference(ctx)
}

// CalendarYearView is one year of the work calendar as the admin sees it.
type CalendarYearView struct {
	Year      string      `json:"year"`
	Listed    bool        `json:"listed"` // false: the year follows the plain Monday-to-Friday week
	Holidays  [][2]string `json:"holidays"`
	Workdays  []string    `json:"workdays"`
	Timezone  string      `json:"timezone"`
	WorkHours [][2]string `json:"work_hours"`
}

// Bounds on one year of the calendar: the State Council's notices list seven holidays a year, the
// longest (Spring Festival, National Day) eight or nine days, and five or six make-up days.
const (
	maxHolidayRanges = 20
	maxHolidaySpan   = 15 // days in one range
	maxMakeUpDays    = 15
)

// checkYear parses a calendar year: four digits, from last year to five years ahead.
func (s *Service) checkYear(year string) error {
	y, err := strconv.Atoi(year)
	now := s.Now().In(s.Calendar().Location()).Year()
	if err != nil || len(year) != 4 || y < now-1 || y > now+5 {
		return FieldError("year", "年份须为 %d 到 %d 之间的四位数字 (the year must be from %d to %d)", now-1, now+5, now-1, now+5)
	}
	return nil
}

// AdminCalendarYear returns one year of the work calendar.
func (s *Service) AdminCalendarYear(ctx context.Context, actor Actor, year string) (CalendarYearView, error) {
	ref, err := s.storedReference(ctx, actor)
	if err != nil {
		return CalendarYearView{}, err
	}
	if err := s.checkYear(year); err != nil {
		return CalendarYearView{}, err
	}
	return calendarView(ref.Calendar, year), nil
}

func calendarView(cfg CalendarConfig, year string) CalendarYearView {
	y, listed := cfg.Years[year]
	v := CalendarYearView{Year: year, Listed: listed, Holidays: y.Holidays, Workdays: y.Workdays,
		Timezone: cfg.Timezone, WorkHours: cfg.WorkHours}
	if v.Holidays == nil {
		v.Holidays = [][2]string{}
	}
	if v.Workdays == nil {
		v.Workdays = []string{}
	}
	return v
}

// AdminPutCalendarYear replaces one year's holidays and make-up working days. Beyond what the
// calendar itself refuses (a date not of that year, a range that ends before it starts, a make-up
// day that is not a Saturday or Sunday or falls in a holiday), it refuses ranges that overlap, a
// range of more than 15 days, and more ranges or make-up days than a year has. Deadlines already
// computed stay as they are; clocks started after the change count on the new calendar.
func (s *Service) AdminPutCalendarYear(ctx context.Context, actor Actor, year string, y CalendarYear) (CalendarYearView, error) {
	if err := requireAdmin(actor); err != nil {
		return CalendarYearView{}, err
	}
	if err := s.checkYear(year); err != nil {
		return CalendarYearView{}, err
	}
	y, err := normaliseYear(year, y)
	if err != nil {
		return CalendarYearView{}, err
	}
	var view CalendarYearView
	err = s.changeReference(ctx, actor, AdminCalendarPut, year, func(ref *Reference) (any, any, error) {
		before := calendarView(ref.Calendar, year)
		if ref.Calendar.Years == nil {
			ref.Calendar.Years = map[string]CalendarYear{}
		}
		ref.Calendar.Years[year] = y
		if _, err := NewCalendar(CalendarConfig{Timezone: ref.Calendar.Timezone, WorkHours: ref.Calendar.WorkHours,
			Years: map[string]CalendarYear{year: y}}); err != nil {
			return nil, nil, FieldError("holidays", "工作日历有误 (the calendar is wrong): %v", err)
		}
		view = calendarView(ref.Calendar, year)
		return before, view, nil
	})
	return view, err
}

// normaliseYear sorts a year's ranges and make-up days and refuses overlaps and excess.
func normaliseYear(year string, y CalendarYear) (CalendarYear, error) {
	if len(y.Holidays) > maxHolidayRanges {
		return y, FieldError("holidays", "节假日最多 %d 段 (at most %d holiday ranges)", maxHolidayRanges, maxHolidayRanges)
	}
	if len(y.Workdays) > maxMakeUpDays {
		return y, FieldError("workdays", "调休上班日最多 %d 天 (at most %d make-up working days)", maxMakeUpDays, maxMakeUpDays)
	}
	out := CalendarYear{Holidays: slices.Clone(y.Holidays), Workdays: slices.Clone(y.Workdays)}
	if out.Holidays == nil {
		out.Holidays = [][2]string{}
	}
	if out.Workdays == nil {
		out.Workdays = []string{}
	}
	slices.SortFunc(out.Holidays, func(a, b [2]string) int { return cmp.Compare(a[0], b[0]) })
	slices.Sort(out.Workdays)
	for i, r := range out.Holidays {
		from, err1 := time.Parse(time.DateOnly, r[0])
		to, err2 := time.Parse(time.DateOnly, r[1])
		if err1 != nil || err2 != nil || r[0][:4] != year || r[1][:4] != year {
			return y, FieldError("holidays", "节假日 %s 至 %s 须为 %s 年的 YYYY-MM-DD 日期 (holiday %s..%s: dates of %s as YYYY-MM-DD)", r[0], r[1], year, r[0], r[1], year)
		}
		if days := int(to.Sub(from).Hours()/24) + 1; days > maxHolidaySpan || days < 1 {
			return y, FieldError("holidays", "节假日 %s 至 %s 须为 1 到 %d 天 (holiday %s..%s must last 1 to %d days)", r[0], r[1], maxHolidaySpan, r[0], r[1], maxHolidaySpan)
		}
		if i > 0 && r[0] <= out.Holidays[i-1][1] {
			return y, FieldError("holidays", "节假日 %s 至 %s 与前一段重叠 (holiday %s..%s overlaps the one before)", r[0], r[1], r[0], r[1])
		}
	}
	if d := slices.Compact(slices.Clone(out.Workdays)); len(d) != len(out.Workdays) {
		return y, FieldError("workdays", "调休上班日重复 (a make-up working day is listed twice)")
	}
	for _, d := range out.Workdays {
		if err := checkMakeUpDay(year, d, out.Holidays); err != nil {
			return y, err
		}
	}
	return out, nil
}

// checkMakeUpDay: a make-up working day is a Saturday or Sunday of the year outside its holidays.
func checkMakeUpDay(year, d string, holidays [][2]string) error {
	t, err := time.Parse(time.DateOnly, d)
	switch {
	case err != nil || d[:4] != year:
		return FieldError("workdays", "调休上班日 %s 须为 %s 年的 YYYY-MM-DD 日期 (make-up day %s: a date of %s as YYYY-MM-DD)", d, year, d, year)
	case t.Weekday() != time.Saturday && t.Weekday() != time.Sunday:
		return FieldError("workdays", "调休上班日 %s 是%s，须为周六或周日 (make-up day %s is a %s: it must be a Saturday or Sunday)",
			d, weekdayNames[t.Weekday()], d, t.Weekday())
	}
	for _, r := range holidays {
		if r[0] <= d && d <= r[1] {
			return FieldError("workdays", "调休上班日 %s 落在节假日 %s 至 %s 之内 (make-up day %s falls in the holiday %s..%s)", d, r[0], r[1], d, r[0], r[1])
		}
	}
	return nil
}

var weekdayNames = [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}

// CalendarWarningDays: within this many days of the year's end, the admin API warns that next
// year's calendar is not entered (the bureau must enter it before the year starts: without it,
// holidays count as working days and make-up days as rest days).
const CalendarWarningDays = 60

// AdminWarnings are what the admin must be told on every page: next year's calendar missing
// within CalendarWarningDays of the year's end.
func (s *Service) AdminWarnings() []string {
	loc := s.Calendar().Location()
	now := s.Now().In(loc)
	next := now.Year() + 1
	end := time.Date(next, 1, 1, 0, 0, 0, 0, loc)
	days := int(end.Sub(now).Hours() / 24)
	if days >= CalendarWarningDays {
		return []string{}
	}
	if _, ok := s.Reference().Calendar.Years[strconv.Itoa(next)]; ok {
		return []string{}
	}
	return []string{fmt.Sprintf("尚未录入 %d 年的工作日历（节假日和调休上班日），本年度还有 %d 天结束，请在新年开始前录入 (the %d work calendar is not entered and the year ends in %d days: enter its holidays and make-up working days before it starts)",
		next, days+1, next, days+1)}
}

// CategorySettings are what the admin sets of a category: its handling limit and extension
// bound, its route and co-handlers, and whether it is urgent (the catalogue's names and codes
// come with the reference data).
type CategorySettings struct {
	HandleLimit Limit           `json:"handle_limit"`
	Route       string          `json:"route"` // "territorial" or "unit:CODE"
	CoHandlers  []string        `json:"co_handlers"`
	Urgent      bool            `json:"urgent"`
	Extension   *ExtensionBound `json:"extension"` // null: DefaultExtension of the handling limit
}

// AdminCategories lists the catalogue's categories (with their groups), ordered by code.
func (s *Service) AdminCategories(ctx context.Context, actor Actor) ([]Category, error) {
	ref, err := s.storedReference(ctx, actor)
	if err != nil {
		return nil, err
	}
	return ref.Catalogue.Categories(), nil
}

// AdminCategory returns one category.
func (s *Service) AdminCategory(ctx context.Context, actor Actor, code string) (Category, error) {
	cats, err := s.AdminCategories(ctx, actor)
	if err != nil {
		return Category{}, err
	}
	for _, c := range cats {
		if c.Code == code {
			return c, nil
		}
	}
	return Category{}, Errorf(ENotFound, "没有代码为 %s 的事件类别 (no category %s)", code, code)
}

// AdminPutCategory sets a category's limits and route. Each setting is checked against the
// reference data's bounds (MaxLimitValue, known handling units, an extension bound within the
// limit's unit), then the whole catalogue by Validate and by building the router. Cases already
// dispatched keep their deadlines; the new limit counts for dispatches after the change.
func (s *Service) AdminPutCategory(ctx context.Context, actor Actor, code string, set CategorySettings) (Category, error) {
	if err := requireAdmin(actor); err != nil {
		return Category{}, err
	}
	if err := s.checkCategorySettings(set); err != nil {
		return Category{}, err
	}
	err := s.changeReference(ctx, actor, AdminCategoryPut, code, func(ref *Reference) (any, any, error) {
		it := findCategory(ref, code)
		if it == nil {
			return nil, nil, Errorf(ENotFound, "没有代码为 %s 的事件类别 (no category %s)", code, code)
		}
		before := *it
		it.HandleLimit, it.Route, it.CoHandlers, it.Urgent, it.Extension = set.HandleLimit, set.Route, set.CoHandlers, set.Urgent, set.Extension
		return before, *it, nil
	})
	if err != nil {
		return Category{}, err
	}
	return s.AdminCategory(ctx, actor, code)
}

// findCategory is the catalogue's item with the code, in place.
func findCategory(ref *Reference, code string) *Category {
	for g := range ref.Catalogue.Groups {
		for i := range ref.Catalogue.Groups[g].Items {
			if it := &ref.Catalogue.Groups[g].Items[i]; it.Code == code {
				return it
			}
		}
	}
	return nil
}

// checkCategorySettings checks each setting, naming the field at fault.
func (s *Service) checkCategorySettings(set CategorySettings) error {
	if err := set.HandleLimit.check("handle_limit"); err != nil {
		return err
	}
	if set.Route != "territorial" {
		code, ok := RouteUnit(set.Route)
		if u, known := s.Unit(code); !ok || !known || u.Code == CommandCentre {
			return FieldError("route", "route 须为 territorial（属地）或 unit:单位代码（本局的处置单位或外部机构）(route must be territorial or unit:CODE of a handling unit or agency)")
		}
	}
	for i, h := range set.CoHandlers {
		if u, ok := s.Unit(h); !ok || u.Code == CommandCentre || slices.Contains(set.CoHandlers[:i], h) {
			return FieldError("co_handlers", "协办单位 %q 未知或重复 (co-handler %q is unknown or given twice)", h, h)
		}
	}
	if b := set.Extension; b != nil && !b.valid(set.HandleLimit.Unit) {
		max := MaxLimitValue[set.HandleLimit.Unit]
		return FieldError("extension", "延期上限须满足 0 < per_request ≤ total ≤ %d %s (the extension bound needs 0 < per_request <= total <= %d %s)",
			max, set.HandleLimit.Unit, max, set.HandleLimit.Unit)
	}
	return nil
}

// AdminPlaces lists the gazetteer.
func (s *Service) AdminPlaces(ctx context.Context, actor Actor) ([]Place, error) {
	ref, err := s.storedReference(ctx, actor)
	if err != nil {
		return nil, err
	}
	if ref.Places == nil {
		return []Place{}, nil
	}
	return ref.Places, nil
}

// AdminPutPlace adds a place to the gazetteer (create: its id must be new; "" makes one up) or
// replaces the place with its id. The place must lie inside the district.
func (s *Service) AdminPutPlace(ctx context.Context, actor Actor, p Place, create bool) (Place, error) {
	if err := requireAdmin(actor); err != nil {
		return Place{}, err
	}
	if create && p.ID == "" {
		p.ID = "p-" + HashSecret(NewSecret(8))[:10] // 40 random bits, in the id's alphabet
	}
	if err := p.Validate(); err != nil {
		return Place{}, err
	}
	if loc := locator(s.Router()); loc != nil {
		if _, ok := loc(p.Point); !ok {
			return Place{}, &Error{Code: EOutside, Field: "point", Message: "地点不在本区范围内 (the place is outside the district)"}
		}
	}
	action := AdminPlaceUpdate
	if create {
		action = AdminPlaceCreate
	}
	err := s.changeReference(ctx, actor, action, p.ID, func(ref *Reference) (any, any, error) {
		i := slices.IndexFunc(ref.Places, func(q Place) bool { return q.ID == p.ID })
		switch {
		case create && i >= 0:
			return nil, nil, Errorf(EConflict, "地名编号 %s 已存在 (place %s exists already)", p.ID, p.ID)
		case create:
			ref.Places = append(ref.Places, p)
			return nil, p, nil
		case i < 0:
			return nil, nil, Errorf(ENotFound, "没有编号为 %s 的地名 (no place %s)", p.ID, p.ID)
		}
		before := ref.Places[i]
		ref.Places[i] = p
		return before, p, nil
	})
	return p, err
}

// AdminDeletePlace takes a place out of the gazetteer.
func (s *Service) AdminDeletePlace(ctx context.Context, actor Actor, id string) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	return s.changeReference(ctx, actor, AdminPlaceDelete, id, func(ref *Reference) (any, any, error) {
		i := slices.IndexFunc(ref.Places, func(q Place) bool { return q.ID == id })
		if i < 0 {
			return nil, nil, Errorf(ENotFound, "没有编号为 %s 的地名 (no place %s)", id, id)
		}
		before := ref.Places[i]
		ref.Places = slices.Delete(ref.Places, i, i+1)
		return before, nil, nil
	})
}
