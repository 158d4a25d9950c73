package refdata

import "testing"

func TestQijiangLoads(t *testing.T) {
	ref, err := Qijiang()
	if err != nil {
		t.Fatal(err)
	}
	if ref.HomeAuthority != "綦江区" {
		t.Errorf("home authority = %q, want 綦江区", ref.HomeAuthority)
	}
	if ref.CasePrefix != "QJ" || ref.District != "qijiang" {
		t.Errorf("prefix %q district %q", ref.CasePrefix, ref.District)
	}
	if n := len(ref.Catalogue.Categories()); n < 20 {
		t.Errorf("only %d categories", n)
	}
	if len(ref.People) != 67 {
		t.Errorf("people = %d, want 67", len(ref.People))
	}
	if len(ref.Calendar.Years["2026"].Workdays) != 6 {
		t.Errorf("calendar workdays not read: %+v", ref.Calendar.Years)
	}
}
