package web

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"cityhub/dispatcher"

	"github.com/xuri/excelize/v2"
)

// get sends a GET as login and returns the response with its body read.
func (h *apiHub) get(login, path string) (*http.Response, []byte) {
	h.t.Helper()
	req, _ := http.NewRequest("GET", h.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+h.token(login))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, raw
}

// cockpitHub has three reports to 古南大队, one returned with a reason.
func cockpitHub(t *testing.T) *apiHub {
	h := newAPIHub(t)
	h.report("m1")
	h.report("m2")
	c := h.report("m3")
	h.mustCall("gn-lead", "POST", "/api/v1/cases/"+c.Number+"/actions",
		map[string]any{"action": "return", "reason": "=不属于本单位职责"}, 200)
	return h
}

func TestMeasuresExportCSV(t *testing.T) {
	h := cockpitHub(t)
	resp, raw := h.get("boss", "/api/v1/measures?dim=unit&period=month&compare=last_year&format=csv")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("%d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), raw)
	}
	cd := resp.Header.Get("Content-Disposition")
	if !strings.HasPrefix(cd, `attachment; filename="__-unit-2026-11-01_2026-11-25.csv"`) ||
		!strings.Contains(cd, "filename*=UTF-8''%E7%BB%9F%E8%AE%A1-unit-2026-11-01_2026-11-25.csv") {
		t.Errorf("Content-Disposition %q", cd)
	}
	if !bytes.HasPrefix(raw, []byte("\uFEFF")) {
		t.Fatal("no byte-order mark")
	}
	recs, err := csv.NewReader(bytes.NewReader(raw[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := recs[0]
	col := func(name string) int {
		i := slices.Index(head, name)
		if i < 0 {
			t.Fatalf("no column %s in %v", name, head)
		}
		return i
	}
	var gn []string
	for _, r := range recs[1:] {
		if r[1] == "QJ-GN-DD" {
			gn = r
		}
	}
	if gn == nil || gn[0] != "古南大队" || gn[col("受理数")] != "3" || gn[col("回退数")] != "1" ||
		gn[col("回退率(%)")] != "33.3" || gn[col("上年同期受理数")] != "0" || gn[col("上年同期办结率(%)")] != "" {
		t.Errorf("古南's row %v (header %v)", gn, head)
	}
	resp, raw = h.get("boss", "/api/v1/measures?format=pdf")
	if resp.StatusCode != 400 || !strings.Contains(string(raw), "format") {
		t.Errorf("format=pdf: %d %s", resp.StatusCode, raw)
	}
}

func TestMeasuresExportXLSX(t *testing.T) {
	h := cockpitHub(t)
	resp, raw := h.get("boss", "/api/v1/measures/accountability?period=month&format=xlsx")
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	f, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{"回退排名", "仲裁裁定"}) {
		t.Fatalf("sheets %v", got)
	}
	rows, err := f.GetRows("回退排名")
	if err != nil || len(rows) < 2 {
		t.Fatalf("rows %v %v", rows, err)
	}
	first := rows[1] // the highest return rate: 古南, 1 of 3
	if first[0] != "古南大队" || first[3] != "1" || first[4] != "33.3" || !strings.Contains(first[14], "不属于本单位职责×1") {
		t.Errorf("first line %v", first)
	}
	if v, _ := f.GetCellType("回退排名", "E2"); v != excelize.CellTypeNumber && v != excelize.CellTypeUnset {
		t.Errorf("the rate is not a number: %v", v)
	}
	resp, raw = h.get("boss", "/api/v1/measures/series?dim=channel&period=month&format=xlsx")
	if resp.StatusCode != 200 {
		t.Fatalf("series xlsx: %d %s", resp.StatusCode, raw)
	}
	f2, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer f2.Close()
	rows, _ = f2.GetRows("趋势")
	if len(rows) != 2 || !slices.Equal(rows[1], []string{"2026-11-25", "微信公众号", "wechat", "3", "0"}) {
		t.Errorf("series rows %v", rows)
	}
}

// The cases behind a figure come masked, and only the centre's and leaders'.
func TestMeasureCasesAPI(t *testing.T) {
	h := cockpitHub(t)
	var page dispatcher.CasePage
	raw := h.mustCall("boss", "GET", "/api/v1/measures/cases?measure=returns&dim=unit&key=QJ-GN-DD&period=today", nil, 200)
	if err := json.Unmarshal(raw, &page); err != nil {
		t.Fatal(err)
	}
	if page.Total != 1 || len(page.Cases) != 1 || page.Cases[0].Reporter.Phone == reporterPhone {
		t.Errorf("returns behind 古南's figure: %s", raw)
	}
	h.mustCall("boss", "GET", "/api/v1/measures/cases?measure=received&limit=101", nil, 400)
	h.mustCall("gn-lead", "GET", "/api/v1/measures/cases?measure=received", nil, 403)
}
