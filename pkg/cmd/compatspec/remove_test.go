package compatspec_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content/oci"

	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/compatspec"
	"github.com/nfd-compat/nfd-compat/pkg/output"
	"github.com/nfd-compat/nfd-compat/pkg/spec"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// TestRemoveOnlyEntryNotOurs: the image's only listed "compat artifact" has
// our artifactType but a signature's layer. Without flags (the user asked for
// that one) remove-spec fails and keeps it; with --all it is skipped with a
// warning, reported under skipped, and the command succeeds.
func TestRemoveOnlyEntryNotOurs(t *testing.T) {
	ctx := context.Background()
	dir, store, img := testimage.Layout(t, "app")
	layer, err := oras.PushBytes(ctx, store, testimage.SignatureLayerType, []byte(`{"critical":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	subj := ocispec.Descriptor{MediaType: img.MediaType, Digest: img.Digest, Size: img.Size}
	fake, err := oras.PackManifest(ctx, store, oras.PackManifestVersion1_1, spec.ArtifactType, oras.PackManifestOptions{
		Subject: &subj, Layers: []ocispec.Descriptor{layer},
	})
	if err != nil {
		t.Fatal(err)
	}
	opts := compatspec.RemoveOptions{Image: target.ImageOptions{Ref: dir + ":app", Target: target.Options{OCILayout: true}}}

	var out, errb bytes.Buffer
	opts.Stdout, opts.Stderr = &out, &errb
	err = compatspec.Remove(ctx, opts)
	if !errors.Is(err, artifact.ErrNotCompatArtifact) || !strings.Contains(err.Error(), fake.Digest.String()) || !strings.Contains(err.Error(), "layer media type") {
		t.Fatalf("Remove of the only entry: %v, want ErrNotCompatArtifact naming %s and the reason", err, fake.Digest)
	}
	if out.Len() != 0 {
		t.Fatalf("printed %q", out.String())
	}

	out.Reset()
	errb.Reset()
	opts.All, opts.Output = true, output.JSON
	if err := compatspec.Remove(ctx, opts); err != nil {
		t.Fatalf("Remove --all: %v", err)
	}
	var res compatspec.RemoveResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Removed) != 0 || len(res.Skipped) != 1 || res.Skipped[0].Digest != fake.Digest.String() {
		t.Fatalf("Remove --all: %+v, want only %s skipped", res, fake.Digest)
	}
	if !strings.Contains(errb.String(), "Skipped "+fake.Digest.String()+", not deleted") {
		t.Fatalf("no warning on stderr:\n%s", errb.String())
	}
	reopened, err := oci.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := reopened.Exists(ctx, fake); err != nil || !ok {
		t.Fatalf("the look-alike %s is gone (%v)", fake.Digest, err)
	}
}
