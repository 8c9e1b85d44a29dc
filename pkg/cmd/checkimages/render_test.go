package checkimages

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/nfd-compat/nfd-compat/pkg/compat"
	"github.com/nfd-compat/nfd-compat/pkg/output"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
)

func TestRender(t *testing.T) {
	rows := []Row{
		{Namespace: "default", Image: "r/ok:v1", Digest: "sha256:0123456789abcdef0123", Verdict: policy.Compatible, BestSet: &compat.SetRef{Index: 0, Tag: "demo"}},
		{Namespace: "default", Image: "r/gpu:v1", Digest: "sha256:1", Verdict: policy.Incompatible, Failed: []string{"set #0 gpu: pci.device: no instance"}},
		{Namespace: "k8s.io", Image: "r/none:v1", Verdict: policy.Missing},
		{Namespace: "k8s.io", Image: "sha256:abc", Verdict: policy.Skipped, Why: "an image ID, not a registry name"},
		{Namespace: "k8s.io", Image: "r/down:v1", Verdict: policy.Error, Error: "connection refused"},
	}
	var b bytes.Buffer
	if err := render(&b, output.Table, rows); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"NAMESPACE", "sha256:0123456789ab ", "best set #0 demo", "set #0 gpu: pci.device", "no compatibility artifact", "an image ID", "connection refused"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	if err := render(&b, output.JSON, nil); err != nil || strings.TrimSpace(b.String()) != "[]" {
		t.Errorf("no images as JSON: %q %v", b.String(), err)
	}
	b.Reset()
	if err := render(&b, output.JSON, rows); err != nil {
		t.Fatal(err)
	}
	var back []Row
	if err := json.Unmarshal(b.Bytes(), &back); err != nil || len(back) != len(rows) || back[1].Verdict != policy.Incompatible {
		t.Errorf("JSON round trip: %v %+v", err, back)
	}
}
