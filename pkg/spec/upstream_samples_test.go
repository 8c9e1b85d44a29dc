package spec_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nfd-compat/nfd-compat/pkg/rules"
	"github.com/nfd-compat/nfd-compat/pkg/spec"
)

// nfdModuleDir is where the go command keeps NFD's module source.
func nfdModuleDir(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "sigs.k8s.io/node-feature-discovery").Output()
	if err != nil {
		t.Fatalf("go list NFD's module: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// Upstream NFD's own image compatibility example and NodeFeatureRule
// samples are within every limit.
func TestUpstreamSamplesWithinLimits(t *testing.T) {
	dir := nfdModuleDir(t)
	data, err := os.ReadFile(filepath.Join(dir, "examples", "image-compatibility.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, problems, err := spec.Parse(data); err != nil {
		t.Errorf("examples/image-compatibility.yaml: %v\n%v", err, problems)
	}
	samples, err := filepath.Glob(filepath.Join(dir, "deployment", "nodefeaturerule", "samples", "*.yaml"))
	if err != nil || len(samples) == 0 {
		t.Fatalf("no NodeFeatureRule samples in %s (%v)", dir, err)
	}
	samples = append(samples, filepath.Join(dir, "examples", "nodefeaturerule.yaml"), filepath.Join(dir, "examples", "nodefeaturegroup.yaml"))
	for _, f := range samples {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		objs, ps := rules.Parse(data, filepath.Base(f))
		ps = append(ps, rules.Validate(objs)...)
		for _, p := range ps {
			if p.Severity == spec.SeverityError && strings.Contains(p.Message, "limit") {
				t.Errorf("%s: %v", filepath.Base(f), p)
			}
		}
	}
}
