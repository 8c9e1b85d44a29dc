package validatenode_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sirupsen/logrus"

	"github.com/nfd-compat/nfd-compat/internal/testartifact"
	"github.com/nfd-compat/nfd-compat/internal/testlog"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/validatenode"
	"github.com/nfd-compat/nfd-compat/pkg/output"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// TestRegistryRequests pins the HTTP requests validate-node makes per
// invocation, uncached, then with a cache directory cold and warm.
//
// Uncached (and cold), the floor on a referrers-API registry is 4 for an
// image (resolve, referrers, artifact manifest, spec blob; upstream nfd
// makes the same 4) and one more for an index whose spec is on the index
// (the platform's manifest is asked first). The resolve is a GET that also
// brings an index's content, so the index is not fetched twice. Without the
// referrers API, oras-go's probe of it costs one more (404) per run
// uncached; with a cache directory the host is remembered without it
// (cache.Registries), so only the first run probes.
//
// Warm, the artifact manifest and the spec blob come from the cache,
// verified by digest: what is left is the resolve and the referrers (1, or
// 2 for a spec on an index) on every registry kind — fewer than upstream's
// 4 (5 without the referrers API). Referrer lists are never cached: an
// artifact attached after a cached run is picked up.
func TestRegistryRequests(t *testing.T) {
	ctx := context.Background()
	specYAML, err := os.ReadFile("../../../examples/gpu-spec.yaml")
	if err != nil {
		t.Fatal(err)
	}
	amd64 := testartifact.AMD64
	type counts struct{ image, indexSpec, platformSpec int64 }
	tcs := map[testregistry.Kind]struct{ uncached, cold, warm counts }{
		testregistry.GGCRReferrers: {counts{4, 5, 4}, counts{4, 5, 4}, counts{2, 3, 2}},
		testregistry.GGCRTagSchema: {counts{5, 6, 5}, counts{5, 5, 4}, counts{2, 3, 2}},
		// distribution v3.1.2 has no referrers API either.
		testregistry.Distribution: {counts{5, 6, 5}, counts{5, 5, 4}, counts{2, 3, 2}},
	}
	testartifact.ForEachKind(t, "../../../examples/gpu-spec.yaml", func(t *testing.T, kind testregistry.Kind, reg *testregistry.Registry, cases []testartifact.Case) {
		tc := tcs[kind]
		app := cases[0]
		check := func(phase, cacheDir string, want counts) {
			t.Helper()
			for _, c := range cases {
				want := map[string]int64{"app": want.image, "multi": want.indexSpec, "perplatform": want.platformSpec}[c.Name]
				before := reg.Requests()
				res := validate(t, c.Ref, amd64, cacheDir)
				if got := reg.Requests() - before; got != want {
					t.Errorf("%s: %s: %d registry requests, want %d", phase, c.Ref, got, want)
				}
				if res.Artifact != c.Artifact {
					t.Errorf("%s: %s: artifact %s, want %s", phase, c.Ref, res.Artifact, c.Artifact)
				}
			}
		}
		check("uncached", "", tc.uncached)
		cacheDir := t.TempDir()
		check("cold", cacheDir, tc.cold)
		check("warm", cacheDir, tc.warm)
		check("warm again", cacheDir, tc.warm)
		// A directory that cannot be created: uncached, not an error.
		notDir := filepath.Join(t.TempDir(), "file")
		if err := os.WriteFile(notDir, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		check("unwritable cache", filepath.Join(notDir, "cache"), tc.uncached)

		// A newer spec attached after the cached runs: the referrers
		// are asked every time, so it is seen (and its manifest and
		// blob fetched once, then cached).
		d, err := artifact.Attach(ctx, reg.Repo(t, "app"), app.Root, append(slices.Clone(specYAML), "# newer\n"...), artifact.AttachOptions{Created: time.Unix(2e9, 0)})
		if err != nil {
			t.Fatal(err)
		}
		newer := d.Digest.String()
		for i, want := range []int64{tc.warm.image + 2, tc.warm.image} {
			before := reg.Requests()
			res := validate(t, app.Ref, amd64, cacheDir)
			if got := reg.Requests() - before; got != want {
				t.Errorf("after a new artifact, run %d: %d registry requests, want %d", i+1, got, want)
			}
			if res.Artifact != newer {
				t.Errorf("after a new artifact, run %d: artifact %s, want the new %s", i+1, res.Artifact, newer)
			}
		}

		err = validatenode.Run(ctx, validateOptions(reg.Ref("nosuch", "v1"), amd64, "", &bytes.Buffer{}))
		if !errors.Is(err, target.ErrImageNotFound) {
			t.Errorf("missing image: err = %v, want ErrImageNotFound", err)
		}
	})
}

// TestCacheVerifiedOnRead: a cached blob that was tampered with is not
// used; the run fetches it again from the registry and gets it right.
func TestCacheVerifiedOnRead(t *testing.T) {
	specYAML, err := os.ReadFile("../../../examples/gpu-spec.yaml")
	if err != nil {
		t.Fatal(err)
	}
	reg := testregistry.Start(t, testregistry.GGCRReferrers)
	a := testartifact.Attached(t, reg, "app", specYAML)
	cacheDir := t.TempDir()
	amd64 := testartifact.AMD64
	validate(t, reg.Ref("app", "v1"), amd64, cacheDir)
	blobs, _ := filepath.Glob(filepath.Join(cacheDir, "blobs", "sha256", "*"))
	if len(blobs) != 2 {
		t.Fatalf("cached %d blobs, want the artifact manifest and the spec: %v", len(blobs), blobs)
	}
	for _, p := range blobs {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		data[len(data)/2] ^= 1
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	before := reg.Requests()
	res := validate(t, reg.Ref("app", "v1"), amd64, cacheDir)
	if got := reg.Requests() - before; got != 4 {
		t.Errorf("with a tampered cache: %d registry requests, want 4 (as cold)", got)
	}
	if res.Artifact != a {
		t.Errorf("artifact %s, want %s", res.Artifact, a)
	}
	before = reg.Requests()
	validate(t, reg.Ref("app", "v1"), amd64, cacheDir)
	if got := reg.Requests() - before; got != 2 {
		t.Errorf("after the cache was repaired: %d registry requests, want 2", got)
	}
}

func validateOptions(ref string, platform *ocispec.Platform, cacheDir string, out *bytes.Buffer) validatenode.Options {
	return validatenode.Options{
		CacheDir: cacheDir,
		Image:    &target.ImageOptions{Ref: ref, Target: target.Options{PlainHTTP: true}, Platform: platform},
		// A fixture instead of discovery: the test is about the registry.
		FeatureFiles: []string{"../../features/testdata/nvidia-gpu.json"},
		Output:       output.JSON,
		Stdout:       out,
	}
}

func validate(t *testing.T, ref string, platform *ocispec.Platform, cacheDir string) validatenode.Result {
	t.Helper()
	var out bytes.Buffer
	if err := validatenode.Run(context.Background(), validateOptions(ref, platform, cacheDir, &out)); err != nil {
		t.Fatalf("%s: %v", ref, err)
	}
	var res validatenode.Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%s: %v\n%s", ref, err, out.String())
	}
	return res
}

// TestDanglingArtifactSkipped: on a registry without the referrers API,
// the tag index lists a newer artifact whose manifest is gone (issue 8 §3);
// validate-node evaluates the older one and warns, instead of exiting 2.
func TestDanglingArtifactSkipped(t *testing.T) {
	d := testartifact.Dangling(t, testregistry.Distribution, "../../../examples/gpu-spec.yaml")
	var out bytes.Buffer
	opts := validateOptions(d.Ref, testartifact.AMD64, "", &out)
	l, logs := testlog.Buffer(logrus.InfoLevel)
	opts.Log = l
	if err := validatenode.Run(context.Background(), opts); err != nil {
		t.Fatalf("validate-node: %v\n%s", err, logs.String())
	}
	var res validatenode.Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if res.Artifact != d.Older {
		t.Errorf("artifact %s, want the older %s", res.Artifact, d.Older)
	}
	d.Warned(t, logs.String())
}
