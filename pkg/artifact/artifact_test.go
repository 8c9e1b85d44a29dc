package artifact_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/content/memory"

	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/spec"
)

const specYAML = "version: v1alpha1\ncompatibilities:\n- rules:\n  - name: r\n    matchFeatures:\n    - feature: cpu.model\n      matchExpressions:\n        vendor_id: {op: Exists}\n"

func setup(t *testing.T) (context.Context, *memory.Store, ocispec.Descriptor) {
	t.Helper()
	ctx := context.Background()
	store := memory.New()
	img, err := testimage.Push(ctx, store, "v1")
	if err != nil {
		t.Fatal(err)
	}
	return ctx, store, img
}

func TestAttachListFetch(t *testing.T) {
	ctx, store, img := setup(t)
	old, err := artifact.Attach(ctx, store, img, []byte(specYAML), artifact.AttachOptions{Created: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	kep, err := artifact.Attach(ctx, store, img, []byte(specYAML), artifact.AttachOptions{Format: artifact.FormatKEP, Created: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := testimage.PushSignature(ctx, store, img); err != nil {
		t.Fatal(err)
	}
	descs, err := artifact.List(ctx, store, img)
	if err != nil {
		t.Fatal(err)
	}
	if len(descs) != 2 || descs[0].Digest != kep.Digest || descs[1].Digest != old.Digest {
		t.Fatalf("List = %v, want [kep, old] without the signature", descs)
	}
	for _, d := range descs {
		a, err := artifact.Fetch(ctx, store, d, img)
		if err != nil {
			t.Fatalf("Fetch %s: %v", d.Digest, err)
		}
		if string(a.Spec) != specYAML || a.Manifest.Subject.Digest != img.Digest {
			t.Fatalf("Fetch %s: spec %q subject %v", d.Digest, a.Spec, a.Manifest.Subject)
		}
	}
	if a, _ := artifact.Fetch(ctx, store, kep, img); a.Manifest.Layers[0].MediaType != spec.KEPSpecMediaType {
		t.Fatalf("KEP format layer = %s", a.Manifest.Layers[0].MediaType)
	}
	// The subject must be the image asked about.
	other, err := testimage.Push(ctx, store, "v2", testimage.WithContent([]byte("other")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := artifact.Fetch(ctx, store, old, other); !errors.Is(err, artifact.ErrInvalidArtifact) {
		t.Fatalf("Fetch with another subject: %v, want ErrInvalidArtifact", err)
	}
}

// pushManifest pushes a hand-made manifest, to make broken artifacts.
func pushManifest(t *testing.T, ctx context.Context, store oras.Target, m ocispec.Manifest) ocispec.Descriptor {
	t.Helper()
	if m.SchemaVersion == 0 {
		m.SchemaVersion = 2
	}
	if m.MediaType == "" {
		m.MediaType = ocispec.MediaTypeImageManifest
	}
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	desc, err := oras.PushBytes(ctx, store, ocispec.MediaTypeImageManifest, raw)
	if err != nil {
		t.Fatal(err)
	}
	desc.ArtifactType = m.ArtifactType
	return desc
}

func TestFetchRejectsBadShapes(t *testing.T) {
	ctx, store, img := setup(t)
	layer, err := oras.PushBytes(ctx, store, spec.SpecMediaType, []byte(specYAML))
	if err != nil {
		t.Fatal(err)
	}
	wrongLayer, err := oras.PushBytes(ctx, store, "text/plain", []byte(specYAML))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := oras.PushBytes(ctx, store, ocispec.MediaTypeEmptyJSON, []byte("{}")); err != nil {
		t.Fatal(err)
	}
	other, err := testimage.Push(ctx, store, "other", testimage.WithContent([]byte("other")))
	if err != nil {
		t.Fatal(err)
	}
	subject := img
	good := ocispec.Manifest{ArtifactType: spec.ArtifactType, Config: ocispec.DescriptorEmptyJSON, Layers: []ocispec.Descriptor{layer}, Subject: &subject}
	cases := map[string]func(m *ocispec.Manifest){
		"wrong layer media type": func(m *ocispec.Manifest) { m.Layers = []ocispec.Descriptor{wrongLayer} },
		"two layers":             func(m *ocispec.Manifest) { m.Layers = []ocispec.Descriptor{layer, layer} },
		"no layers":              func(m *ocispec.Manifest) { m.Layers = nil },
		"not our artifact type":  func(m *ocispec.Manifest) { m.ArtifactType = "application/vnd.example+type" },
		"config not empty":       func(m *ocispec.Manifest) { m.Config = layer },
		"no subject":             func(m *ocispec.Manifest) { m.Subject = nil },
		"subject another image":  func(m *ocispec.Manifest) { m.Subject = &other },
		"schemaVersion 1":        func(m *ocispec.Manifest) { m.SchemaVersion = 1 },
		"image index mediaType":  func(m *ocispec.Manifest) { m.MediaType = ocispec.MediaTypeImageIndex },
		"config size not 2": func(m *ocispec.Manifest) {
			m.Config = ocispec.DescriptorEmptyJSON
			m.Config.Size = 3
		},
		"KEP artifactType with NFD layer": func(m *ocispec.Manifest) { m.ArtifactType = spec.KEPArtifactType },
		"schemaVersion 3":                 func(m *ocispec.Manifest) { m.SchemaVersion = 3 },
		"spec layer too large": func(m *ocispec.Manifest) {
			big := layer
			big.Size = spec.MaxSize + 1
			m.Layers = []ocispec.Descriptor{big}
		},
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			m := good
			mutate(&m)
			desc := pushManifest(t, ctx, store, m)
			_, err := artifact.Fetch(ctx, store, desc, img)
			if !errors.Is(err, artifact.ErrInvalidArtifact) {
				t.Fatalf("Fetch: %v, want ErrInvalidArtifact", err)
			}
			// Everything but the spec layer's size is the manifest's shape,
			// which VerifyShape (and so Remove) checks on its own.
			_, err = artifact.VerifyShape(ctx, store, desc, img)
			if name == "spec layer too large" {
				if err != nil {
					t.Fatalf("VerifyShape: %v, want nil (the layer is not read)", err)
				}
				return
			}
			if !errors.Is(err, artifact.ErrNotCompatArtifact) || !strings.Contains(err.Error(), desc.Digest.String()) {
				t.Fatalf("VerifyShape: %v, want ErrNotCompatArtifact naming %s", err, desc.Digest)
			}
		})
	}
	goodDesc := pushManifest(t, ctx, store, good)
	t.Run("good", func(t *testing.T) {
		if _, err := artifact.Fetch(ctx, store, goodDesc, img); err != nil {
			t.Fatal(err)
		}
	})
	// mediaType is a SHOULD in image-spec v1.1: without it, the rest decides.
	t.Run("no mediaType", func(t *testing.T) {
		raw, err := json.Marshal(map[string]any{"schemaVersion": 2, "artifactType": good.ArtifactType,
			"config": good.Config, "layers": good.Layers, "subject": good.Subject})
		if err != nil {
			t.Fatal(err)
		}
		desc, err := oras.PushBytes(ctx, store, ocispec.MediaTypeImageManifest, raw)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := artifact.VerifyShape(ctx, store, desc, img); err != nil {
			t.Fatalf("VerifyShape without mediaType: %v", err)
		}
	})
	t.Run("manifest too large", func(t *testing.T) {
		desc := goodDesc
		desc.Size = spec.MaxSize + 1
		if _, err := artifact.Fetch(ctx, store, desc, img); !errors.Is(err, artifact.ErrInvalidArtifact) || !strings.Contains(err.Error(), "limit") {
			t.Fatalf("Fetch: %v, want a size-limit ErrInvalidArtifact", err)
		}
	})
}

// tamperingFetcher serves other bytes for one digest, as a compromised
// registry or a corrupted disk would.
type tamperingFetcher struct {
	content.Fetcher
	victim ocispec.Descriptor
}

func (f tamperingFetcher) Fetch(ctx context.Context, d ocispec.Descriptor) (io.ReadCloser, error) {
	if d.Digest == f.victim.Digest {
		return io.NopCloser(bytes.NewReader(bytes.Repeat([]byte("x"), int(d.Size)))), nil
	}
	return f.Fetcher.Fetch(ctx, d)
}

func TestFetchVerifiesDigests(t *testing.T) {
	ctx, store, img := setup(t)
	desc, err := artifact.Attach(ctx, store, img, []byte(specYAML), artifact.AttachOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := artifact.Fetch(ctx, store, desc, img)
	if err != nil {
		t.Fatal(err)
	}
	for name, victim := range map[string]ocispec.Descriptor{"spec blob": a.Manifest.Layers[0], "manifest": desc} {
		t.Run(name, func(t *testing.T) {
			_, err := artifact.Fetch(ctx, tamperingFetcher{store, victim}, desc, img)
			if !errors.Is(err, content.ErrMismatchedDigest) {
				t.Fatalf("Fetch of tampered %s: %v, want ErrMismatchedDigest", name, err)
			}
		})
	}
}

func TestSelect(t *testing.T) {
	descs := []ocispec.Descriptor{
		{Digest: "sha256:aa11", Annotations: map[string]string{ocispec.AnnotationCreated: "2024-01-01T00:00:00Z"}},
		{Digest: "sha256:aa22"},
		{Digest: "sha256:bb33", Annotations: map[string]string{"oci.opencontainers.image.created": "2025-01-01T00:00:00Z"}},
		{Digest: "sha256:0000"},
	}
	artifact.Sort(descs)
	var order []string
	for _, d := range descs {
		order = append(order, string(d.Digest))
	}
	// Newest first (the KEP's annotation spelling counts), no timestamp last, ties by digest.
	if got, want := strings.Join(order, ","), "sha256:bb33,sha256:aa11,sha256:0000,sha256:aa22"; got != want {
		t.Fatalf("Sort = %s, want %s", got, want)
	}
	if d, err := artifact.Select(descs, ""); err != nil || d.Digest != "sha256:bb33" {
		t.Fatalf("Select newest = %v, %v", d.Digest, err)
	}
	if d, err := artifact.Select(descs, "sha256:aa1"); err != nil || d.Digest != "sha256:aa11" {
		t.Fatalf("Select by prefix = %v, %v", d.Digest, err)
	}
	if _, err := artifact.Select(descs, "sha256:aa"); !errors.Is(err, artifact.ErrAmbiguous) {
		t.Fatalf("Select ambiguous prefix: %v", err)
	}
	if _, err := artifact.Select(descs, "sha256:ff"); !errors.Is(err, artifact.ErrNoArtifact) {
		t.Fatalf("Select unknown digest: %v", err)
	}
	if _, err := artifact.Select(nil, ""); !errors.Is(err, artifact.ErrNoArtifact) {
		t.Fatalf("Select of none: %v", err)
	}
	// Not a digest is a usage error, not a missing artifact.
	for _, bad := range []string{"sha256:zz", "f3ef", "sha256:", "md5:aa", "sha256:AA11", "sha256:" + strings.Repeat("a", 65)} {
		if _, err := artifact.Select(descs, bad); !errors.Is(err, artifact.ErrInvalidDigest) || errors.Is(err, artifact.ErrNoArtifact) {
			t.Errorf("Select(%q): %v, want ErrInvalidDigest", bad, err)
		}
	}
	if _, err := artifact.Select(nil, "sha256:zz"); !errors.Is(err, artifact.ErrInvalidDigest) {
		t.Errorf("Select of none with a bad digest: %v, want ErrInvalidDigest", err)
	}
}
