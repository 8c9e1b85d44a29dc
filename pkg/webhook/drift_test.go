package webhook

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/nfd-compat/nfd-compat/internal/testlog"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
)

const (
	gpuSet = "compat.nfd-compat.io/sha256-aaaa.gpu"
	cpuSet = "compat.nfd-compat.io/sha256-aaaa.cpu"
	dbSet  = "compat.nfd-compat.io/sha256-bbbb.avx"
)

func placedPod(ns, name, node string, mode policy.Mode, images ...ImageDecision) PlacedPod {
	return PlacedPod{Namespace: ns, Name: name, UID: ns + "-" + name, Node: node, Decision: Decision{Mode: mode, Images: images}}
}

func TestDecisionDrift(t *testing.T) {
	app := ImageDecision{Image: "reg/app:v1", Outcome: Outcome{Artifact: "sha256:aaaa", Sets: []string{gpuSet, cpuSet}}}
	db := ImageDecision{Image: "reg/db:v1", Outcome: Outcome{Artifact: "sha256:bbbb", Sets: []string{dbSet}}}
	plain := ImageDecision{Image: "reg/plain:v1"} // no spec: placed nowhere
	for _, c := range []struct {
		name   string
		mode   policy.Mode
		labels map[string]string
		want   string
	}{
		{"every image has a set", policy.ModeEnforce, map[string]string{cpuSet: "true", dbSet: "true"}, "[]"},
		{"app lost both sets", policy.ModeEnforce, map[string]string{dbSet: "true", "other": "true"}, "[reg/app:v1]"},
		{"a label with another value is not the set's", policy.ModeEnforce, map[string]string{gpuSet: "false", dbSet: "true"}, "[reg/app:v1]"},
		{"no labels at all", policy.ModeEnforce, nil, "[reg/app:v1 reg/db:v1]"},
		{"warn mode never placed", policy.ModeWarn, nil, "[]"},
	} {
		var got []string
		for _, img := range (Decision{Mode: c.mode, Images: []ImageDecision{app, db, plain}}).Drift(c.labels) {
			got = append(got, img.Image)
		}
		if s := fmt.Sprint(got); s != c.want && !(c.want == "[]" && got == nil) {
			t.Errorf("%s: drifted %s, want %s", c.name, s, c.want)
		}
	}
}

func TestFindDrift(t *testing.T) {
	app := ImageDecision{Image: "reg/app:v1", Outcome: Outcome{Artifact: "sha256:aaaa", Sets: []string{gpuSet}}}
	pods := []PlacedPod{
		placedPod("a", "ok", "gpu-node", policy.ModeEnforce, app),
		placedPod("a", "drifted", "old-gpu", policy.ModeEnforce, app),
		placedPod("b", "gone-node", "deleted-node", policy.ModeEnforce, app),
	}
	scan := FindDrift(pods, map[string]map[string]string{"gpu-node": {gpuSet: "true"}, "old-gpu": {}})
	if scan.Placed != 2 || len(scan.Drifted) != 1 || scan.Drifted[0].Name != "drifted" || scan.Drifted[0].Images[0].Artifact != "sha256:aaaa" {
		t.Fatalf("scan %+v: want 2 placed (the deleted node's pod not judged), a/drifted drifted", scan)
	}
}

// TestDriftMetrics: /metrics' drift gauges follow the last scan; a pod is
// logged when it newly drifts, not at every scan, and at most
// MaxDriftLogsPerScan a scan; namespaces past MaxDriftNamespaces are
// summed under DriftOtherNamespace.
func TestDriftMetrics(t *testing.T) {
	var s driftState
	var b strings.Builder
	if err := s.writeText(&b); err != nil || b.Len() != 0 {
		t.Fatalf("monitor off: %q, %v; want nothing", b.String(), err)
	}
	s.on = true
	if err := s.writeText(&b); err != nil || b.String() != "# HELP "+DriftScanErrorsMetric+" Failed drift scans of the webhook.\n# TYPE "+DriftScanErrorsMetric+" counter\n"+DriftScanErrorsMetric+" 0\n" {
		t.Fatalf("before a scan: %q, %v", b.String(), err)
	}
	log, buf := testlog.Buffer(logrus.InfoLevel)
	app := ImageDecision{Image: "reg/app:v1", Outcome: Outcome{Artifact: "sha256:aaaa", Sets: []string{gpuSet}}}
	db := ImageDecision{Image: "reg/db:v1", Outcome: Outcome{Artifact: "sha256:bbbb", Sets: []string{dbSet}}}
	scan := DriftScan{Placed: 5, Drifted: []DriftedPod{
		{PlacedPod: placedPod("a", "p1", "n", policy.ModeEnforce, app), Images: []ImageDecision{app}},
		{PlacedPod: placedPod("a", "p2", "n", policy.ModeEnforce, app, db), Images: []ImageDecision{app, db}},
		{PlacedPod: placedPod("b", "p3", "n", policy.ModeEnforce, app), Images: []ImageDecision{app}},
	}}
	now := time.Unix(1700000000, 0)
	s.record(scan, now, log)
	b.Reset()
	if err := s.writeText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		DriftScanTimeMetric + " 1700000000\n", PlacedPodsMetric + " 5\n",
		DriftedPodsMetric + "{namespace=\"a\"} 2\n" + DriftedPodsMetric + "{namespace=\"b\"} 1\n",
		DriftedArtifactsMetric + " 2\n", "# TYPE " + DriftedPodsMetric + " gauge\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("/metrics has no %q:\n%s", want, b.String())
		}
	}
	if n := strings.Count(buf.String(), "pod drifted"); n != 4 { // one line per drifted image
		t.Errorf("%d drift log lines, want 4:\n%s", n, buf)
	}
	// The same pods again, and one more: only the new one is logged.
	buf.Reset()
	scan.Drifted = append(scan.Drifted, DriftedPod{PlacedPod: placedPod("c", "p4", "n", policy.ModeEnforce, app), Images: []ImageDecision{app}})
	s.record(scan, now, log)
	if n := strings.Count(buf.String(), "pod drifted"); n != 1 || !strings.Contains(buf.String(), "c/p4") {
		t.Errorf("second scan logged %d lines, want 1 for c/p4:\n%s", n, buf)
	}
	// Many namespaces, many new pods: bounded series and log lines.
	buf.Reset()
	scan = DriftScan{Placed: 100}
	for i := range MaxDriftNamespaces + 10 {
		scan.Drifted = append(scan.Drifted, DriftedPod{PlacedPod: placedPod(fmt.Sprintf("ns-%03d", i), "p", "n", policy.ModeEnforce, app), Images: []ImageDecision{app}})
	}
	scan.Drifted = append(scan.Drifted, DriftedPod{PlacedPod: placedPod("ns-059", "q", "n", policy.ModeEnforce, app), Images: []ImageDecision{app}})
	s.record(scan, now, log)
	b.Reset()
	if err := s.writeText(&b); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(b.String(), DriftedPodsMetric+"{"); n != MaxDriftNamespaces+1 {
		t.Errorf("%d namespace series, want %d:\n%s", n, MaxDriftNamespaces+1, b.String())
	}
	// ns-059 has two pods, so it keeps its series; the 10 after ns-048 by name go to _other.
	for _, want := range []string{`{namespace="ns-059"} 2` + "\n", `{namespace="_other"} 10` + "\n", `{namespace="ns-048"} 1` + "\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("/metrics has no %q:\n%s", want, b.String())
		}
	}
	if n := strings.Count(buf.String(), "pod drifted"); n != MaxDriftLogsPerScan || !strings.Contains(buf.String(), "51 more pods drifted") {
		t.Errorf("%d drift log lines, want %d and a count of the rest:\n%s", n, MaxDriftLogsPerScan, buf)
	}
}

// An index is judged by the platforms of the node's os/arch: an arm64
// node by the arm64 spec's sets only, and a platform placed without a
// spec never drifts.
func TestDecisionDriftPlatforms(t *testing.T) {
	const armSet = "compat.nfd-compat.io/sha256-cccc.neon"
	multi := ImageDecision{Image: "reg/multi:v1", Platforms: []PlatformDecision{
		{Platform: "linux/amd64", Outcome: Outcome{Artifact: "sha256:aaaa", Sets: []string{gpuSet}}},
		{Platform: "linux/arm64", Outcome: Outcome{Artifact: "sha256:cccc", Sets: []string{armSet}}},
		{Platform: "linux/s390x"}, // no spec: admitted by on_missing=allow
	}}
	node := func(arch string, sets ...string) map[string]string {
		l := map[string]string{"kubernetes.io/os": "linux", "kubernetes.io/arch": arch}
		for _, s := range sets {
			l[s] = "true"
		}
		return l
	}
	for _, c := range []struct {
		name    string
		labels  map[string]string
		drifted bool
	}{
		{"amd64 node with the amd64 set", node("amd64", gpuSet), false},
		{"amd64 node with only the arm64 set", node("amd64", armSet), true},
		{"arm64 node with the arm64 set", node("arm64", armSet), false},
		{"arm64 node that lost the arm64 set", node("arm64", gpuSet), true},
		{"s390x node: no spec, nothing to lose", node("s390x"), false},
		{"a node without os/arch labels is not judged", map[string]string{}, false},
	} {
		got := (Decision{Mode: policy.ModeEnforce, Images: []ImageDecision{multi}}).Drift(c.labels)
		if (len(got) == 1) != c.drifted {
			t.Errorf("%s: drifted %v, want %v", c.name, got, c.drifted)
		}
	}
	if k, ok := placedImage(multi); !ok || len(k.Platforms) != 2 {
		t.Errorf("placedImage kept %+v (%v), want the two platforms placed with sets", k, ok)
	}
}
