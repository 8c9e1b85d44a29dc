package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nfd-compat/nfd-compat/pkg/cmd/ruletools"
)

const ruleFiles = "../pkg/cmd/ruletools/testdata/"

// TestRulesExitCodes runs validate, dryrun and schedule as a user does and
// checks their exit codes (the ruletools package checks outputs against
// golden files).
func TestRulesExitCodes(t *testing.T) {
	must(t, 0, "validate", "-f", ruleFiles+"valid.yaml")
	must(t, 2, "validate", "-f", ruleFiles+"broken.yaml")
	must(t, 0, "validate", "-f", ruleFiles+"warnings.yaml")
	must(t, 2, "validate", "-f", ruleFiles+"warnings.yaml", "--strict")
	must(t, 2, "validate", "-f", "does-not-exist.yaml")
	must(t, 2, "validate")

	valid, err := os.ReadFile(ruleFiles + "valid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r := run(t, string(valid), "validate", "-f", "-", "-o", "json")
	var rep ruletools.ValidateReport
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &rep) != nil || !rep.Valid || len(rep.Objects) != 2 || rep.Objects[0].Source != "<stdin>" {
		t.Fatalf("validate -f - -o json: exit %d, %+v\n%s", r.code, rep, r.stderr)
	}

	r = must(t, 0, "dryrun", "-f", ruleFiles+"valid.yaml", "-n", fixtures+"/nodefeature.yaml", "-o", "json")
	var dr ruletools.RunReport
	if err := json.Unmarshal([]byte(r.stdout), &dr); err != nil || len(dr.Nodes) != 1 || dr.Nodes[0].Labels["feature.node.kubernetes.io/avx512-kernel6"] != "true" {
		t.Fatalf("dryrun -o json: %v %+v", err, dr)
	}
	must(t, 0, "dryrun", "-f", ruleFiles+"valid.yaml", "-n", fixtures+"/arm64.json")
	must(t, 2, "dryrun", "-f", ruleFiles+"runtime-broken.yaml", "-n", fixtures+"/nodefeature.yaml")
	must(t, 2, "dryrun", "-f", ruleFiles+"broken.yaml", "-n", fixtures+"/nodefeature.yaml")
	must(t, 2, "dryrun", "-f", ruleFiles+"valid.yaml")

	r = must(t, 0, "schedule", "--spec", demoSpec, "--name", "team/app")
	if !strings.Contains(r.stdout, "kind: NodeFeatureRule") || !strings.Contains(r.stdout, "compat.nfd-compat.io/team-app.") {
		t.Fatalf("schedule -o yaml:\n%s", r.stdout)
	}
	must(t, 2, "schedule")
	must(t, 2, "schedule", "--spec", "../pkg/spec/testdata/does-not-exist.yaml")
}

// TestSchedulePatch writes the affinity into a Deployment that already has
// node affinity, twice: the second patch replaces the first.
func TestSchedulePatch(t *testing.T) {
	deploy := filepath.Join(t.TempDir(), "deploy.yaml")
	if err := os.WriteFile(deploy, []byte(`# my app
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  replicas: 2 # keep
  template:
    spec:
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions:
              - {key: kubernetes.io/os, operator: In, values: [linux]}
      containers:
      - name: app
        image: registry.example.com/team/app:v1
---
apiVersion: v1
kind: Service
metadata:
  name: app
`), 0o644); err != nil {
		t.Fatal(err)
	}
	r := must(t, 0, "schedule", "--spec", "../examples/kep-example.yaml", "--name", "team/app", "--patch", deploy)
	for _, want := range []string{"# my app", "replicas: 2 # keep", "kind: Service", "kubernetes.io/os",
		"compat.nfd-compat.io/team-app.prefered", "compat.nfd-compat.io/team-app.fallback", "weight: 100", "weight: 10"} {
		if !strings.Contains(r.stdout, want) {
			t.Fatalf("patched manifest lacks %q:\n%s", want, r.stdout)
		}
	}
	// Each existing term is combined with each set's: two terms, both with kubernetes.io/os.
	if n := strings.Count(r.stdout, "kubernetes.io/os"); n != 2 {
		t.Fatalf("kubernetes.io/os appears %d times, want 2 (one per set term):\n%s", n, r.stdout)
	}
	again := filepath.Join(t.TempDir(), "again.yaml")
	if err := os.WriteFile(again, []byte(r.stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	r2 := must(t, 0, "schedule", "--spec", "../examples/kep-example.yaml", "--name", "team/app", "--patch", again)
	if r2.stdout != r.stdout {
		t.Fatalf("patching twice is not idempotent:\n--- first\n%s\n--- second\n%s", r.stdout, r2.stdout)
	}
	svc := filepath.Join(t.TempDir(), "svc.yaml")
	if err := os.WriteFile(svc, []byte("apiVersion: v1\nkind: Service\nmetadata: {name: x}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	must(t, 2, "schedule", "--spec", demoSpec, "--patch", svc)
}
