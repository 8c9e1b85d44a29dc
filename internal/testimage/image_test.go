package testimage_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/content/oci"
	"oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote"

	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
)

func TestRegistries(t *testing.T) {
	for _, kind := range testregistry.Kinds() {
		t.Run(string(kind), func(t *testing.T) {
			ctx := context.Background()
			reg := testregistry.Start(t, kind)
			repo := reg.Repo(t, "test/app")

			img := checkTarget(t, repo)

			// Only ggcr-referrers has the referrers API; the others fell back to the tag schema.
			hasAPI := kind == testregistry.GGCRReferrers
			code := reg.Status(t, "/v2/test/app/referrers/"+img.Digest.String())
			if want := map[bool]int{true: 200, false: 404}[hasAPI]; code != want {
				t.Errorf("GET referrers = %d, want %d", code, want)
			}
			_, err := repo.Resolve(ctx, strings.Replace(img.Digest.String(), ":", "-", 1))
			if hasTag := err == nil; hasTag == hasAPI {
				t.Errorf("referrers tag schema tag exists = %v on %s (err %v)", hasTag, kind, err)
			}
			// A new client (no cached referrers capability) lists the signatures too, with artifactType.
			fresh, err := remote.NewRepository(reg.Ref("test/app", img.Digest.String()))
			if err != nil {
				t.Fatal(err)
			}
			fresh.PlainHTTP = true
			refs, err := registry.Referrers(ctx, fresh, img, testimage.SignatureArtifactType)
			if err != nil || len(refs) != 2 || refs[0].ArtifactType != testimage.SignatureArtifactType {
				t.Errorf("fresh Referrers = %+v, %v; want 2 signatures", refs, err)
			}
			if reg.Requests() == 0 {
				t.Error("Requests() = 0")
			}
		})
	}
}

func TestOCILayout(t *testing.T) {
	store, err := oci.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	checkTarget(t, store)
}

// target is what both a remote repository and an OCI store are.
type target interface {
	oras.Target
	content.ReadOnlyGraphStorage
}

// checkTarget pushes an image, an index and two signatures to tgt, checks them and returns the image.
func checkTarget(t *testing.T, tgt target) ocispec.Descriptor {
	t.Helper()
	ctx := context.Background()
	img, err := testimage.Push(ctx, tgt, "v1", testimage.WithContent([]byte("hi\n")))
	if err != nil {
		t.Fatalf("Push: %v", err)
	}
	got, err := tgt.Resolve(ctx, "v1")
	if err != nil || got.Digest != img.Digest || got.Size != img.Size {
		t.Fatalf("Resolve(v1) = %v, %v; want %v", got.Digest, err, img.Digest)
	}
	checkImage(t, tgt, img, "linux/amd64", "hi\n")

	platforms := []string{"linux/amd64", "linux/arm64", "linux/arm/v7"}
	idx, mans, err := testimage.PushIndex(ctx, tgt, "multi", platforms)
	if err != nil {
		t.Fatalf("PushIndex: %v", err)
	}
	if got, err := tgt.Resolve(ctx, "multi"); err != nil || got.Digest != idx.Digest {
		t.Fatalf("Resolve(multi) = %v, %v; want %v", got.Digest, err, idx.Digest)
	}
	var index ocispec.Index
	fetchJSON(t, tgt, idx, &index)
	if len(index.Manifests) != 3 || len(mans) != 3 {
		t.Fatalf("index has %d manifests, returned %d; want 3", len(index.Manifests), len(mans))
	}
	for i, p := range platforms {
		if index.Manifests[i].Digest != mans[i].Digest {
			t.Errorf("index manifest %d = %v, want %v", i, index.Manifests[i].Digest, mans[i].Digest)
		}
		checkImage(t, tgt, mans[i], p, "hello from nfd-compat\n")
	}

	var sigs []ocispec.Descriptor
	for range 2 {
		sig, err := testimage.PushSignature(ctx, tgt, img)
		if err != nil {
			t.Fatalf("PushSignature: %v", err)
		}
		sigs = append(sigs, sig)
	}
	refs, err := registry.Referrers(ctx, tgt, img, testimage.SignatureArtifactType)
	if err != nil {
		t.Fatalf("Referrers: %v", err)
	}
	if len(refs) != 2 || !has(refs, sigs[0]) || !has(refs, sigs[1]) {
		t.Fatalf("Referrers = %v, want %v and %v", refs, sigs[0].Digest, sigs[1].Digest)
	}
	if refs[0].ArtifactType != testimage.SignatureArtifactType {
		t.Errorf("referrer artifactType = %q", refs[0].ArtifactType)
	}
	if other, err := registry.Referrers(ctx, tgt, mans[1], ""); err != nil || len(other) != 0 {
		t.Errorf("Referrers(arm64) = %v, %v; want none", other, err)
	}
	return img
}

// checkImage checks that desc is a valid image for platform whose layer holds hello.txt with text.
func checkImage(t *testing.T, tgt target, desc ocispec.Descriptor, platform, text string) {
	t.Helper()
	var m ocispec.Manifest
	fetchJSON(t, tgt, desc, &m)
	var cfg ocispec.Image
	fetchJSON(t, tgt, m.Config, &cfg)
	want, _ := testimage.ParsePlatform(platform)
	if cfg.OS != want.OS || cfg.Architecture != want.Architecture || cfg.Variant != want.Variant {
		t.Errorf("config platform = %s/%s/%s, want %s", cfg.OS, cfg.Architecture, cfg.Variant, platform)
	}
	if desc.Platform == nil || desc.Platform.Architecture != want.Architecture {
		t.Errorf("descriptor platform = %v, want %s", desc.Platform, platform)
	}
	if len(m.Layers) != 1 || len(cfg.RootFS.DiffIDs) != 1 || m.Layers[0].MediaType != ocispec.MediaTypeImageLayerGzip {
		t.Fatalf("layers %v, diff_ids %v", m.Layers, cfg.RootFS.DiffIDs)
	}
	gz, err := content.FetchAll(context.Background(), tgt, m.Layers[0])
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if d := digest.FromBytes(raw); d != cfg.RootFS.DiffIDs[0] {
		t.Errorf("diff_id = %v, layer tar is %v", cfg.RootFS.DiffIDs[0], d)
	}
	tr := tar.NewReader(bytes.NewReader(raw))
	hdr, err := tr.Next()
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(tr)
	if hdr.Name != "hello.txt" || string(body) != text {
		t.Errorf("layer file %q = %q, want hello.txt = %q", hdr.Name, body, text)
	}
}

func fetchJSON(t *testing.T, tgt target, desc ocispec.Descriptor, v any) {
	t.Helper()
	b, err := content.FetchAll(context.Background(), tgt, desc)
	if err != nil {
		t.Fatalf("fetch %s: %v", desc.Digest, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

func has(ds []ocispec.Descriptor, d ocispec.Descriptor) bool {
	for _, x := range ds {
		if x.Digest == d.Digest {
			return true
		}
	}
	return false
}
