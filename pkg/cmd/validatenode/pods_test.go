package validatenode

import (
	"bytes"
	"strings"
	"testing"

	"github.com/nfd-compat/nfd-compat/pkg/compat"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
	"github.com/nfd-compat/nfd-compat/pkg/webhook"
)

// TestMatchPods: only pods placed for the artifact, on checked nodes; a
// pod on a node that now fails the spec is drifted, one on a node whose
// features could not be read is not.
func TestMatchPods(t *testing.T) {
	const art, other = "sha256:aaaa", "sha256:bbbb"
	pod := func(name, node string, artifacts ...string) webhook.PlacedPod {
		d := webhook.Decision{Mode: policy.ModeEnforce}
		for _, a := range artifacts {
			d.Images = append(d.Images, webhook.ImageDecision{Image: "reg/" + a, Outcome: webhook.Outcome{Artifact: a, Sets: []string{"compat.nfd-compat.io/x.gpu"}}})
		}
		return webhook.PlacedPod{Namespace: "app", Name: name, Node: node, Decision: d}
	}
	reports := []NodeReport{
		{Node: "gpu-node", Report: &compat.Report{Compatible: true}},
		{Node: "old-gpu", Report: &compat.Report{Compatible: false}},
		{Node: "bare", Error: "no NodeFeature objects"},
	}
	res := matchPods([]webhook.PlacedPod{
		pod("ok", "gpu-node", art),
		pod("drifted", "old-gpu", other, art),
		pod("other-artifact", "old-gpu", other),
		pod("unread", "bare", art),
		pod("unselected", "elsewhere", art),
	}, art, reports)
	var got []string
	for _, p := range res.Pods {
		got = append(got, p.Name+"="+p.NodeVerdict)
		if p.Drifted != (p.Name == "drifted") || p.Image != "reg/"+art {
			t.Errorf("pod %+v", p)
		}
	}
	if strings.Join(got, " ") != "ok=compatible drifted=incompatible unread=error" || res.Drifted != 1 {
		t.Fatalf("pods %v, %d drifted; want ok, drifted (drifted) and unread", got, res.Drifted)
	}
	var b bytes.Buffer
	if err := podsTable(&b, res, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "incompatible: drifted") || !strings.Contains(b.String(), "1 of 3 pods placed for this artifact drifted") {
		t.Fatalf("table:\n%s", b.String())
	}
}
