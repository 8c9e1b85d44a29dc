package spec

import (
	"errors"
	"slices"
	"strings"
	"testing"

	compatv1alpha1 "sigs.k8s.io/node-feature-discovery/api/image-compatibility/v1alpha1"
	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"
)

func TestMediaTypes(t *testing.T) {
	if ArtifactType != "application/vnd.nfd.image-compatibility.v1alpha1" {
		t.Errorf("ArtifactType = %q", ArtifactType)
	}
	for _, tt := range []struct {
		artifact, layer string
		ours            bool
	}{
		{ArtifactType, SpecMediaType, true},
		{KEPArtifactType, KEPSpecMediaType, true},
		{"application/vnd.oci.image.manifest.v1+json", "", false},
		{"", "", false},
	} {
		if got := IsArtifactType(tt.artifact); got != tt.ours {
			t.Errorf("IsArtifactType(%q) = %v", tt.artifact, got)
		}
		if got := SpecMediaTypeFor(tt.artifact); got != tt.layer {
			t.Errorf("SpecMediaTypeFor(%q) = %q, want %q", tt.artifact, got, tt.layer)
		}
	}
}

func TestProblemString(t *testing.T) {
	for _, tt := range []struct {
		p    Problem
		want string
	}{
		{Problem{Path: "version", Line: 1, Severity: SeverityError, Message: "m"}, "line 1: version: m"},
		{Problem{Path: "a.b", Severity: SeverityWarning, Message: "m"}, "a.b: warning: m"},
		{Problem{Severity: SeverityError, Message: "m"}, "m"},
	} {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.p, got, tt.want)
		}
	}
}

func TestInvalidError(t *testing.T) {
	_, problems, err := Parse([]byte("version: v2\ncompatibilities: []\nx: 1\n"))
	var ie *InvalidError
	if !errors.As(err, &ie) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %#v", err)
	}
	if len(ie.Problems) != 3 || len(problems) != 3 {
		t.Fatalf("want all 3 problems, got %d in the error and %d in total:\n%s", len(ie.Problems), len(problems), dump(problems))
	}
	msg := err.Error()
	for _, part := range []string{"invalid compatibility spec: 3 errors:", "line 1: version:", "line 2: compatibilities:", "line 3: x:"} {
		if !strings.Contains(msg, part) {
			t.Errorf("error %q lacks %q", msg, part)
		}
	}
	// Warnings alone make no error.
	if _, problems, err := Parse([]byte(exprSpec("{}"))); err != nil || len(problems) != 1 {
		t.Errorf("warning-only spec: err = %v, %d problems", err, len(problems))
	}
}

// Several problems in different places are all reported, in line order.
func TestReportsAllProblems(t *testing.T) {
	in := `version: v1alpha1
compatibilities:
- weight: heavy
  rules:
  - name: a
    matchFeatures:
    - feature: cpu.model
      matchExpressions:
        vendor_id: {op: In}
        family: {op: Gt, value: ["x"]}
    - feature: kernelversion
      matchName: {op: Exists}
- rules:
  - name: b
    matchAny: [{}]
`
	_, problems, err := Parse([]byte(in))
	if err == nil {
		t.Fatal("accepted")
	}
	p := "compatibilities[0].rules[0].matchFeatures"
	checkProblems(t, problems, []want{
		{"compatibilities[0].weight", 3, SeverityError, "weight must be an integer"},
		{p + "[0].matchExpressions.vendor_id.value", 9, SeverityError, `op "In" needs at least one value`},
		{p + "[0].matchExpressions.family.value", 10, SeverityError, `op "Gt" needs exactly one integer value, got ["x"]`},
		{p + "[1].feature", 11, SeverityError, "invalid feature name kernelversion"},
		{"compatibilities[1].rules[0].matchAny[0]", 15, SeverityError, "matchAny element has no matchFeatures"},
	})
}

func TestValidateDecoded(t *testing.T) {
	if ps := Validate(nil); len(ps) != 1 || ps[0].Severity != SeverityError {
		t.Errorf("Validate(nil) = %v", ps)
	}
	s := &Spec{Version: "v1alpha1", Compatibilties: []compatv1alpha1.Compatibility{{
		Rules: []nfdv1alpha1.GroupRule{{
			Name: "r",
			MatchFeatures: nfdv1alpha1.FeatureMatcher{{
				Feature:          "cpu.model",
				MatchExpressions: &nfdv1alpha1.MatchExpressionSet{"vendor_id": {Op: nfdv1alpha1.MatchGtLt, Value: []string{"1"}}},
			}},
		}},
	}}}
	ps := Validate(s)
	checkProblems(t, ps, []want{{exprPath + ".value", 0, SeverityError, `op "GtLt" needs exactly two integer values, got ["1"]`}})
}

func TestMarshalRoundTrip(t *testing.T) {
	in := exprSpec(`{op: In, value: ["5.10", "yes", "0x10", "Intel"]}`)
	s, _, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	out, err := Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	s2, problems, err := Parse(out)
	if err != nil || len(problems) != 0 {
		t.Fatalf("re-parse: %v\n%s\n%s", err, out, dump(problems))
	}
	got := (*s2.Compatibilties[0].Rules[0].MatchFeatures[0].MatchExpressions)["vendor_id"].Value
	if !slices.Equal([]string(got), []string{"5.10", "yes", "0x10", "Intel"}) {
		t.Errorf("values after round trip: %q", got)
	}
	if _, err := Marshal(nil); err == nil {
		t.Error("Marshal(nil) succeeded")
	}
}

func TestDomains(t *testing.T) {
	in := `version: v1alpha1
compatibilities:
- rules:
  - name: a
    vars: {ok: "true"}
    matchFeatures: [{feature: PCI.device, matchName: {op: Exists}}, {feature: cpu.model, matchName: {op: Exists}}]
  - name: b
    matchFeatures: [{feature: rule.matched, matchExpressions: {ok: {op: IsTrue}}}]
    matchAny: [{matchFeatures: [{feature: usb.device, matchName: {op: Exists}}, {feature: cpu.cpuid, matchName: {op: Exists}}]}]
`
	s, _, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := Domains(s), []string{"cpu", "pci", "usb"}; !slices.Equal(got, want) {
		t.Errorf("Domains = %q, want %q", got, want)
	}
	if Domains(nil) != nil {
		t.Error("Domains(nil) != nil")
	}
}
