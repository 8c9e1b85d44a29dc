package schedule_test

import (
	"context"
	"io"
	"testing"

	"github.com/nfd-compat/nfd-compat/internal/testartifact"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/schedule"
	"github.com/nfd-compat/nfd-compat/pkg/output"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// TestRegistryRequests pins the registry requests of one schedule run per
// image, platform linux/amd64: an image, an index with the spec on the
// index, an index with the spec on the amd64 manifest. Before
// artifact.Load, schedule HEADed the reference and then GOT an index again:
// 4/6/5 with the referrers API, 5/7/6 without; now the resolve is a GET
// whose content serves the platform lookup, as validate-node's always was.
func TestRegistryRequests(t *testing.T) {
	want := map[testregistry.Kind]map[string]int64{
		testregistry.GGCRReferrers: {"app": 4, "multi": 5, "perplatform": 4},
		testregistry.GGCRTagSchema: {"app": 5, "multi": 6, "perplatform": 5},
		testregistry.Distribution:  {"app": 5, "multi": 6, "perplatform": 5},
	}
	testartifact.ForEachKind(t, "../../../examples/gpu-spec.yaml", func(t *testing.T, kind testregistry.Kind, reg *testregistry.Registry, cases []testartifact.Case) {
		for _, c := range cases {
			before := reg.Requests()
			err := schedule.Run(context.Background(), schedule.Options{
				Image:  &target.ImageOptions{Ref: c.Ref, Target: target.Options{PlainHTTP: true}, Platform: testartifact.AMD64},
				Output: output.JSON, Stdout: io.Discard,
			})
			if err != nil {
				t.Fatalf("%s: %v", c.Ref, err)
			}
			if got := reg.Requests() - before; got != want[kind][c.Name] {
				t.Errorf("%s: %d registry requests, want %d", c.Name, got, want[kind][c.Name])
			}
		}
	})
}
