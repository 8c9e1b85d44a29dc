package rules_test

import (
	"strings"
	"testing"

	"github.com/nfd-compat/nfd-compat/pkg/rules"
)

// TestParseLines: problems name the line their document starts on, in
// multi-document YAML (after comments and empty documents) and in JSON.
func TestParseLines(t *testing.T) {
	data := `# rules
---
---
apiVersion: nfd.k8s-sigs.io/v1alpha1
kind: NodeFeatureRule
metadata: {name: ok}
spec: {rules: [{name: r, labels: {x: "y"}}]}
---

apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
---
apiVersion: nfd.k8s-sigs.io/v1alpha1
kind: NodeFeatureRule
metadata: {name: typo}
spec: {rulez: []}
`
	objs, ps := rules.Parse([]byte(data), "f.yaml")
	if len(objs) != 1 || objs[0].Line != 4 {
		t.Fatalf("objects %+v, want NodeFeatureRule/ok at line 4", objs)
	}
	if len(ps) != 2 || !strings.HasPrefix(ps[0].String(), `f.yaml:10: kind "ConfigMap"`) || !strings.Contains(ps[1].String(), "f.yaml:14") || !strings.Contains(ps[1].String(), `unknown field "rulez"`) {
		t.Fatalf("problems %v", ps)
	}

	_, ps = rules.Parse([]byte("{\n  \"apiVersion\": \"nfd.k8s-sigs.io/v1alpha1\",\n  \"kind\": \"NodeFeatureRule\",\n  \"metadata\": {\"name\": }\n}\n"), "f.json")
	if len(ps) != 1 || !strings.Contains(ps[0].Message, "invalid JSON at line 4") {
		t.Fatalf("JSON syntax error: %v", ps)
	}
	// A file starting with "{" is JSON, as kubectl reads it (before, rules
	// read it as YAML and took this flow mapping).
	_, ps = rules.Parse([]byte("{kind: NodeFeatureRule}\n"), "f.yaml")
	if len(ps) != 1 || !strings.Contains(ps[0].Message, "invalid JSON at line 1") {
		t.Fatalf("YAML flow mapping at the start: %v", ps)
	}
	_, ps = rules.Parse([]byte("[1]"), "f.yaml")
	if len(ps) != 1 || !strings.Contains(ps[0].String(), "f.yaml:1: not an object (it is a JSON array); expected a NodeFeatureRule") {
		t.Fatalf("not an object: %v", ps)
	}
}
