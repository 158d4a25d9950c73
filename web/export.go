package web

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"

	"cityhub/dispatcher"

	"github.com/xuri/excelize/v2"
)

// The measures' tables as files: what a leader takes to a meeting. CSV for anything that reads
// text (UTF-8 with a byte-order mark, which Excel needs to read Chinese), XLSX through excelize,
// the maintained library for the format in Go.

// sheet is one table of an export: a name (the XLSX sheet), a header and rows of cells, each a
// string, an int64, a float64 or nil (an empty cell: a rate whose denominator is zero).
type sheet struct {
	name   string
	header []string
	rows   [][]any
}

// exportFormat reads format: json (the default), csv or xlsx.
func exportFormat(r *http.Request) (string, error) {
	switch f := r.URL.Query().Get("format"); f {
	case "", "json":
		return "json", nil
	case "csv", "xlsx":
		return f, nil
	default:
		return "", dispatcher.FieldError("format", "format 须为 json、csv 或 xlsx (format must be json, csv or xlsx)")
	}
}

// writeExport answers the sheets as an attachment named name (without extension) in format.
func (s *Server) writeExport(w http.ResponseWriter, r *http.Request, format, name string, sheets []sheet) {
	var body []byte
	var err error
	ctype := "text/csv; charset=utf-8"
	if format == "xlsx" {
		ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		body, err = xlsxOf(sheets)
	} else {
		body, err = csvOf(sheets)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", attachment(name+"."+format))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// attachment is a Content-Disposition for a file name that may be Chinese: an ASCII fallback
// (every other character an underscore) for old clients and the UTF-8 name in RFC 5987's filename*.
func attachment(name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' || r == ';' {
			return '_'
		}
		return r
	}, name)
	return fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, ascii, url.PathEscape(name))
}

// csvOf writes the sheets one after another, an empty line between them, after a byte-order mark.
func csvOf(sheets []sheet) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("\uFEFF")
	cw := csv.NewWriter(&b)
	for i, sh := range sheets {
		if i > 0 {
			_ = cw.Write(nil)
		}
		_ = cw.Write(sh.header)
		for _, row := range sh.rows {
			rec := make([]string, len(row))
			for j, v := range row {
				rec[j] = cellText(v)
			}
			_ = cw.Write(rec)
		}
	}
	cw.Flush()
	return b.Bytes(), cw.Error()
}

func cellText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return csvSafe(x)
	case float64:
		return fmt.Sprintf("%.1f", x)
	default:
		return fmt.Sprint(x)
	}
}

// csvSafe keeps a text cell from being read as a formula by a spreadsheet (names and reasons
// are typed by people).
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// xlsxOf writes each sheet as a worksheet with a bold header row; numbers stay numbers.
func xlsxOf(sheets []sheet) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	for i, sh := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sh.name); err != nil {
				return nil, err
			}
		} else if _, err := f.NewSheet(sh.name); err != nil {
			return nil, err
		}
		sw, err := f.NewStreamWriter(sh.name)
		if err != nil {
			return nil, err
		}
		head := make([]any, len(sh.header))
		for j, h := range sh.header {
			head[j] = excelize.Cell{StyleID: bold, Value: h}
		}
		if err := sw.SetRow("A1", head); err != nil {
			return nil, err
		}
		for k, row := range sh.rows {
			cells := make([]any, len(row))
			for j, v := range row {
				if x, ok := v.(float64); ok {
					v = math.Round(x*10) / 10
				}
				cells[j] = v
			}
			cell, _ := excelize.CoordinatesToCellName(1, k+2)
			if err := sw.SetRow(cell, cells); err != nil {
				return nil, err
			}
		}
		if err := sw.Flush(); err != nil {
			return nil, err
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// percent is a rate in percent for a table, nil when it has none.
func percent(r *float64) any {
	if r == nil {
		return nil
	}
	return *r * 100
}

// minutes is an average of seconds in minutes, nil when there is none.
func minutes(s *float64) any {
	if s == nil {
		return nil
	}
	return *s / 60
}

// measuresSheet is the table of a measures report: a row per key with its counts and rates (in
// percent), and last year's beside them when compared.
func measuresSheet(rep dispatcher.MeasureReport) sheet {
	header := []string{"名称", "代码"}
	cols := func(prefix string) {
		for _, m := range dispatcher.TableMeasures {
			header = append(header, prefix+dispatcher.MeasureLabel(m))
		}
		for _, m := range dispatcher.TableRates {
			header = append(header, prefix+dispatcher.MeasureLabel(m)+"(%)")
		}
	}
	cols("")
	prev := map[string]dispatcher.MeasureRow{}
	if rep.Previous != nil {
		cols("上年同期")
		for _, r := range rep.Previous.Rows {
			prev[r.Key] = r
		}
	}
	values := func(r dispatcher.MeasureRow) []any {
		var out []any
		for _, m := range dispatcher.TableMeasures {
			out = append(out, r.Counts[m])
		}
		for _, m := range dispatcher.TableRates {
			out = append(out, percent(r.Rates[m]))
		}
		return out
	}
	sh := sheet{name: "统计", header: header}
	for _, r := range rep.Rows {
		row := append([]any{r.Name, r.Key}, values(r)...)
		if rep.Previous != nil {
			p, ok := prev[r.Key]
			if !ok {
				p = dispatcher.MeasureRow{Counts: map[string]int64{}, Rates: dispatcher.Rates(nil)}
			}
			row = append(row, values(p)...)
		}
		sh.rows = append(sh.rows, row)
	}
	return sh
}

// seriesSheet is a series as a table: a row per period and key.
func seriesSheet(s dispatcher.Series) sheet {
	header := []string{"时间", "名称", "代码"}
	for _, m := range s.Measures {
		header = append(header, dispatcher.MeasureLabel(m))
	}
	sh := sheet{name: "趋势", header: header}
	for _, p := range s.Points {
		row := []any{p.Period, p.Name, p.Key}
		for _, m := range s.Measures {
			row = append(row, p.Counts[m])
		}
		sh.rows = append(sh.rows, row)
	}
	return sh
}

// accountabilitySheets are the units' lines (averages in minutes) and the rulings.
func accountabilitySheets(a dispatcher.Accountability) []sheet {
	units := sheet{name: "回退排名", header: []string{"单位", "代码", "派遣数", "回退数", "回退率(%)", "返工数",
		"延期数", "超期未结", "签收数", "平均签收用时(分钟)", "处置数", "平均处置用时(分钟)", "核查数",
		"平均核查用时(分钟)", "回退理由"}}
	for _, u := range a.Units {
		var reasons []string
		for _, r := range u.Reasons {
			reasons = append(reasons, fmt.Sprintf("%s×%d", r.Reason, r.Count))
		}
		units.rows = append(units.rows, []any{u.Name, u.Unit, u.Dispatched, u.Returns, percent(u.ReturnRate),
			u.Reworks, u.Extensions, u.OverdueOpen, u.Acknowledged, minutes(u.AckAvgSeconds), u.Resolved,
			minutes(u.HandleAvgSeconds), u.Checked, minutes(u.CheckAvgSeconds), strings.Join(reasons, "；")})
	}
	rulings := sheet{name: "仲裁裁定", header: []string{"回退单位", "回退单位代码", "裁定承办单位", "裁定承办单位代码", "次数"}}
	for _, r := range a.Rulings {
		rulings.rows = append(rulings.rows, []any{r.ReturnedByName, r.ReturnedBy, r.RuledToName, r.RuledTo, r.Count})
	}
	return []sheet{units, rulings}
}
