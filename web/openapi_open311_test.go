package web

import (
	"encoding/json"
	"strings"
	"testing"

	"cityhub/intake/open311"
)

// Every Open311 route is in the OpenAPI document, and each of its answers of success has an
// example in both formats.
func TestOpenAPIDescribesOpen311(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Content map[string]struct {
					Example any `json:"example"`
				} `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	for _, r := range open311.Routes {
		method, path, _ := strings.Cut(r, " ")
		path = open311.DefaultMount + path
		op, ok := doc.Paths[path][strings.ToLower(method)]
		if !ok {
			t.Errorf("%s %s is not in openapi.json", method, path)
			continue
		}
		success := 0
		for status, resp := range op.Responses {
			if !strings.HasPrefix(status, "2") {
				continue
			}
			success++
			for _, ct := range []string{"text/xml", "application/json"} {
				if resp.Content[ct].Example == nil {
					t.Errorf("%s %s: %s answer has no %s example", method, path, status, ct)
				}
			}
		}
		if success == 0 {
			t.Errorf("%s %s: no answer of success described", method, path)
		}
	}
}
