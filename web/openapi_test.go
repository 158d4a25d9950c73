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

// Every operation of the document shows what it takes and what it answers: each request body and
// each answer of success that has a body carries an example in every format it lists.
func TestOpenAPIHasExamples(t *testing.T) {
	type content map[string]struct {
		Example  any            `json:"example"`
		Examples map[string]any `json:"examples"`
	}
	var doc struct {
		Paths map[string]map[string]struct {
			RequestBody *struct {
				Content content `json:"content"`
			} `json:"requestBody"`
			Responses map[string]struct {
				Content content `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatal(err)
	}
	missing := func(where string, c content) {
		for ct, body := range c {
			if body.Example == nil && len(body.Examples) == 0 {
				t.Errorf("%s: no %s example", where, ct)
			}
		}
	}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			where := strings.ToUpper(method) + " " + path
			if op.RequestBody != nil {
				missing(where+" request", op.RequestBody.Content)
			}
			for status, resp := range op.Responses {
				if !strings.HasPrefix(status, "2") && status != "101" {
					continue
				}
				if len(resp.Content) == 0 && status != "204" {
					t.Errorf("%s %s: the answer's body is not described", where, status)
				}
				missing(where+" "+status, resp.Content)
			}
		}
	}
}
