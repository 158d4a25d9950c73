package web

import (
	"encoding/json"
	"strings"
	"testing"
)

// Every route the server answers is described in the OpenAPI document, with its method.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi version %q", doc.OpenAPI)
	}
	s := &Server{}
	s.metrics = &metrics{}
	for _, r := range s.apiRoutes() {
		method, path, _ := strings.Cut(r.pattern, " ")
		path = strings.TrimSuffix(path, "{$}") // "/{$}" is the exact path "/"
		ops, ok := doc.Paths[path]
		if !ok {
			t.Errorf("%s is not in openapi.json", path)
			continue
		}
		if _, ok := ops[strings.ToLower(method)]; !ok {
			t.Errorf("%s %s: the method is not in openapi.json", method, path)
		}
	}
}
