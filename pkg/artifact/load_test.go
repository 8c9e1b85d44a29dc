package artifact_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
	"oras.land/oras-go/v2/errdef"

	"github.com/nfd-compat/nfd-compat/internal/testartifact"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// TestLoadSkipsDangling: the newest artifact listed by the referrers tag
// index is gone; Load warns and uses the older one. Asked for by digest, the
// gone one is an error. With every listed artifact gone, the image has no
// artifact (the verifier's on_missing then decides, not on_error).
func TestLoadSkipsDangling(t *testing.T) {
	ctx := context.Background()
	for _, kind := range []testregistry.Kind{testregistry.GGCRTagSchema, testregistry.Distribution} {
		t.Run(string(kind), func(t *testing.T) {
			d := testartifact.Dangling(t, kind, "../../examples/gpu-spec.yaml")
			reg, ref, older, newer := d.Reg, d.Ref, d.Older, d.Newer
			img, err := target.Open(ctx, ref, target.Options{PlainHTTP: true})
			if err != nil {
				t.Fatal(err)
			}
			log, hook := test.NewNullLogger()
			l, err := artifact.Load(ctx, img, artifact.LoadOptions{Log: log})
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if got := l.Artifact.Descriptor.Digest.String(); got != older || l.Spec == nil {
				t.Errorf("loaded %s (spec %v), want the older %s", got, l.Spec != nil, older)
			}
			if len(l.Warnings) != 1 || !strings.Contains(l.Warnings[0], newer) || !strings.Contains(l.Warnings[0], "gone") {
				t.Errorf("warnings = %q, want one naming the gone %s", l.Warnings, newer)
			}
			if e := hook.LastEntry(); e == nil || e.Level != logrus.WarnLevel || e.Message != l.Warnings[0] {
				t.Errorf("log = %v, want the warning", hook.AllEntries())
			}

			_, err = artifact.Load(ctx, img, artifact.LoadOptions{Digest: newer})
			if !errors.Is(err, errdef.ErrNotFound) || !strings.Contains(err.Error(), newer) {
				t.Errorf("Load of the gone artifact by digest: %v, want not found naming it", err)
			}

			// The older one gone too: no artifact, with both warned about.
			testartifact.DeleteManifest(t, reg, "app", older)
			l, err = artifact.Load(ctx, img, artifact.LoadOptions{})
			if !errors.Is(err, artifact.ErrNoArtifact) || !strings.Contains(err.Error(), "all 2 listed artifacts are gone") {
				t.Errorf("all gone: %v, want ErrNoArtifact", err)
			}
			if len(l.Warnings) != 2 || l.Artifact != nil || l.Descriptor.Digest != "" {
				t.Errorf("all gone: warnings %q, artifact %v %s, want 2 and none", l.Warnings, l.Artifact, l.Descriptor.Digest)
			}
		})
	}
}
