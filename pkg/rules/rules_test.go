package rules_test

import (
	"strings"
	"testing"

	"github.com/nfd-compat/nfd-compat/pkg/features"
	"github.com/nfd-compat/nfd-compat/pkg/rules"
)

func TestParseLists(t *testing.T) {
	data := `apiVersion: v1
kind: List
items:
- apiVersion: nfd.k8s-sigs.io/v1alpha1
  kind: NodeFeatureRule
  metadata: {name: a}
  spec: {rules: [{name: r, labels: {x: "y"}}]}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: cm}
---
apiVersion: nfd.k8s-sigs.io/v1alpha1
kind: NodeFeatureGroupList
items:
- metadata: {name: g, namespace: nfd}
  spec: {featureGroupRules: [{name: r, matchFeatures: [{feature: cpu.model}]}]}
---
`
	objs, ps := rules.Parse([]byte(data), "f.yaml")
	if len(objs) != 2 || objs[0].ID() != "NodeFeatureRule/a" || objs[1].ID() != "NodeFeatureGroup/nfd/g" {
		t.Fatalf("objects %+v", objs)
	}
	if len(ps) != 1 || !strings.Contains(ps[0].String(), `f.yaml:1: List item 2 has kind "ConfigMap"`) {
		t.Fatalf("problems %v", ps)
	}
	// A typed list's items may omit apiVersion: the list's applies, so no problem.
	if p := rules.Validate(objs); rules.HasErrors(p) {
		t.Fatalf("validate: %v", p)
	}
	if _, ps := rules.Parse([]byte("a: [b"), "bad.yaml"); len(ps) != 1 || !strings.Contains(ps[0].Message, "invalid YAML") {
		t.Fatalf("syntax: %v", ps)
	}
	if _, ps := rules.Parse(nil, "empty.yaml"); len(ps) != 1 {
		t.Fatalf("empty: %v", ps)
	}
}

// TestRunOrderAndBackrefs: NodeFeatureRules run sorted by name; a later
// object sees an earlier one's labels and vars in rule.matched; a null
// expression (which panics inside NFD) fails only its rule.
func TestRunOrderAndBackrefs(t *testing.T) {
	data := `apiVersion: nfd.k8s-sigs.io/v1alpha1
kind: NodeFeatureRule
metadata: {name: b-second}
spec:
  rules:
  - name: reads
    labels: {example.com/saw: "yes"}
    matchFeatures:
    - feature: rule.matched
      matchExpressions:
        first: {op: In, value: ["1"]}
        example.com/l: {op: Exists}
  - name: broken
    labels: {example.com/never: "x"}
    matchFeatures:
    - feature: cpu.model
      matchExpressions:
        vendor_id: null
---
apiVersion: nfd.k8s-sigs.io/v1alpha1
kind: NodeFeatureRule
metadata: {name: a-first}
spec:
  rules:
  - name: writes
    labels: {example.com/l: "v"}
    vars: {first: "1"}
`
	objs, ps := rules.Parse([]byte(data), "r.yaml")
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	nodes, err := features.Load("../features/testdata/nodefeature.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res := rules.Run(objs, nodes[0])
	if res.Labels["example.com/saw"] != "yes" || res.Labels["example.com/l"] != "v" || res.Vars["first"] != "1" {
		t.Fatalf("labels %v vars %v rules %+v", res.Labels, res.Vars, res.Rules)
	}
	if res.Rules[0].Object != "NodeFeatureRule/a-first" || res.Rules[2].Error == "" || len(res.Problems) != 1 {
		t.Fatalf("rules %+v problems %v", res.Rules, res.Problems)
	}
	// The node's features are not modified.
	if _, ok := nodes[0].Features.Attributes["rule.matched"]; ok {
		t.Fatal("Run wrote rule.matched into the caller's features")
	}
}
