// Package refdata reads a bureau's reference-data folder (units, categories, calendar,
// jurisdictions, people) into a dispatcher.Reference, and embeds the Qijiang demo folder.
package refdata

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"

	"cityhub/dispatcher"
)

//go:embed qijiang/*.json qijiang/*.geojson qijiang/README.md
var demo embed.FS

// Qijiang returns the embedded Qijiang demo reference data.
func Qijiang() (*dispatcher.Reference, error) {
	sub, err := fs.Sub(demo, "qijiang")
	if err != nil {
		return nil, err
	}
	return Load(sub, "qijiang")
}

// LoadDir reads a reference-data folder on disk; the district id is the folder's base name.
func LoadDir(dir string) (*dispatcher.Reference, error) {
	return Load(os.DirFS(dir), path.Base(dir))
}

type unitsFile struct {
	Authority string            `json:"authority"`
	Units     []dispatcher.Unit `json:"units"`
}

type peopleFile struct {
	People []dispatcher.Person `json:"people"`
}

type placesFile struct {
	Places []dispatcher.Place `json:"places"`
}

type campaignsFile struct {
	Campaigns []dispatcher.Campaign `json:"campaigns"`
}

type featureProps struct {
	Features []struct {
		Properties struct {
			Code      string `json:"code"`
			Authority string `json:"authority"`
		} `json:"properties"`
	} `json:"features"`
}

// Load reads units.json, categories.json, calendar.json, jurisdictions.geojson and (if present)
// people.json, places.json (the gazetteer) and campaigns.json (专项整治 periods) from fsys. The home authority is the one that most jurisdictions belong to; the
// case-number prefix is the district id's first two letters in capitals.
func Load(fsys fs.FS, district string) (*dispatcher.Reference, error) {
	ref := &dispatcher.Reference{District: district}
	var units unitsFile
	if err := readJSON(fsys, "units.json", &units); err != nil {
		return nil, err
	}
	ref.Authority, ref.Units = units.Authority, units.Units
	if err := readJSON(fsys, "categories.json", &ref.Catalogue); err != nil {
		return nil, err
	}
	if err := readJSON(fsys, "calendar.json", &ref.Calendar); err != nil {
		return nil, err
	}
	raw, err := fs.ReadFile(fsys, "jurisdictions.geojson")
	if err != nil {
		return nil, fmt.Errorf("reference data: %w", err)
	}
	ref.Jurisdictions = raw
	ref.HomeAuthority, ref.CasePrefix = homeAuthority(raw), casePrefix(raw, district)
	var people peopleFile
	if err := readJSON(fsys, "people.json", &people); err != nil && !isNotExist(err) {
		return nil, err
	}
	ref.People = people.People
	var places placesFile
	if err := readJSON(fsys, "places.json", &places); err != nil && !isNotExist(err) {
		return nil, err
	}
	ref.Places = places.Places
	var campaigns campaignsFile
	if err := readJSON(fsys, "campaigns.json", &campaigns); err != nil && !isNotExist(err) {
		return nil, err
	}
	ref.Campaigns = campaigns.Campaigns
	if err := ref.Validate(); err != nil {
		return nil, fmt.Errorf("reference data: %w", err)
	}
	return ref, nil
}

func readJSON(fsys fs.FS, name string, v any) error {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return fmt.Errorf("reference data: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("reference data: %s: %w", name, err)
	}
	return nil
}

func isNotExist(err error) bool {
	var pe *fs.PathError
	return errorsAs(err, &pe) && os.IsNotExist(pe.Err)
}

// homeAuthority picks the authority that most polygons belong to: the bureau's own area.
func homeAuthority(raw []byte) string {
	var fc featureProps
	if json.Unmarshal(raw, &fc) != nil {
		return ""
	}
	count := map[string]int{}
	best := ""
	for _, f := range fc.Features {
		a := f.Properties.Authority
		count[a]++
		if count[a] > count[best] || (count[a] == count[best] && a < best) {
			best = a
		}
	}
	return best
}

// casePrefix is the letters before the "-" of the jurisdiction codes (QJ-GN -> QJ), else the
// district id's first two letters in capitals.
func casePrefix(raw []byte, district string) string {
	var fc featureProps
	if json.Unmarshal(raw, &fc) == nil && len(fc.Features) > 0 {
		code := fc.Features[0].Properties.Code
		if i := strings.IndexByte(code, '-'); i > 0 {
			return strings.ToUpper(code[:i])
		}
	}
	d := strings.ToUpper(district)
	if len(d) >= 2 {
		return d[:2]
	}
	return "CH"
}
