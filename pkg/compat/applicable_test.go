package compat_test

import (
	"errors"
	"strings"
	"testing"

	compatv1alpha1 "sigs.k8s.io/node-feature-discovery/api/image-compatibility/v1alpha1"

	"github.com/nfd-compat/nfd-compat/pkg/compat"
)

func TestApplicable(t *testing.T) {
	tagged := &compatv1alpha1.Spec{Compatibilties: []compatv1alpha1.Compatibility{{Tag: "gpu"}, {Tag: "cpu"}}}
	untagged := &compatv1alpha1.Spec{Compatibilties: []compatv1alpha1.Compatibility{{}}}
	for _, tc := range []struct {
		name    string
		spec    *compatv1alpha1.Spec
		tags    []string
		wantErr string
	}{
		{"no filter", tagged, nil, ""},
		{"a tag that exists", tagged, []string{"x", "cpu"}, ""},
		{"no such tag", tagged, []string{"x"}, `tags in spec: ["gpu" "cpu"]`},
		{"spec without tags", untagged, []string{"x"}, "the spec's sets have no tags"},
		{"empty spec", &compatv1alpha1.Spec{}, nil, "no compatibility sets"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := compat.Applicable(tc.spec, compat.Options{Tags: tc.tags})
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, compat.ErrNoApplicableSet) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Applicable = %v, want ErrNoApplicableSet with %q", err, tc.wantErr)
			}
		})
	}
}
