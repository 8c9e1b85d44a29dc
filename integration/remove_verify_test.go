package integration

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/content/oci"

	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/compatspec"
	"github.com/nfd-compat/nfd-compat/pkg/spec"
)

// TestRemoveNeverDeletesForeign: remove-spec (--digest, --all) and
// attach-spec --replace delete only manifests that are compat artifacts of
// the image, whatever the referrers list says, on every place.
//
// On tag-schema registries (ggcr without the referrers API, distribution v3)
// the referrers list is the sha256-<hex> tag index, which the test rewrites
// so that the image's own digest, a cosign-style signature, an SBOM and a
// genuine compat artifact of ANOTHER image are all labelled as compat
// artifacts of the image. That relabelling is possible only there: a
// referrers-API registry and an OCI layout (oras-go's predecessor graph)
// compute the list from the manifests themselves, so an entry's artifactType
// and subject are the manifest's own. There the test pushes what can be
// listed under our artifactType: referrers of the image that have our
// artifactType but another shape (a signature's layer, an SBOM's layer, an
// image's config and layers).
func TestRemoveNeverDeletesForeign(t *testing.T) {
	ctx := context.Background()
	for _, p := range places(t) {
		t.Run(p.name, func(t *testing.T) {
			store, img := p.push(t, "guarded")
			f, err := testimage.PushForeign(ctx, store, img, "v2")
			if err != nil {
				t.Fatal(err)
			}
			other, sig, sbom := f.Other, f.Signature, f.SBOM
			ref, otherRef := p.ref("guarded", "v1"), p.ref("guarded", "v2")
			var othersSpec compatspec.AttachResult
			decodeJSON(t, must(t, 0, args("attach-spec", p.flags, otherRef, kepSpec, "-o", "json")...).stdout, &othersSpec)

			// keep is everything that must survive; foreign is what the
			// referrers list of the image labels as its compat artifacts.
			keep := map[string]ocispec.Descriptor{"image": img, "other image": other, "signature": sig, "SBOM": sbom, "other image's artifact": othersSpec.Artifact}
			foreign := map[string]ocispec.Descriptor{}
			// A fresh client or layout after each CLI run: an oci.Store
			// opened before would write back its stale index.json.
			store = p.store(t, "guarded")
			if p.reg != nil && p.reg.Kind != testregistry.GGCRReferrers {
				relabelReferrersTag(t, ctx, store, img, img, sig, sbom, othersSpec.Artifact)
				foreign = map[string]ocispec.Descriptor{"image": img, "signature": sig, "SBOM": sbom, "other image's artifact": othersSpec.Artifact}
			} else {
				foreign = pushLookalikes(t, ctx, store, img)
				for name, d := range foreign {
					keep["look-alike "+name] = d
				}
			}
			listed := map[string]bool{}
			for _, a := range listJSON(t, p, ref).Artifacts {
				listed[a.Digest] = true
			}
			for name, d := range foreign {
				if !listed[d.Digest.String()] {
					t.Fatalf("setup: list-specs does not list the %s %s as a compat artifact", name, d.Digest)
				}
			}

			// --digest X: refused with the reason, exit 2, nothing deleted.
			for name, d := range foreign {
				r := must(t, 2, args("remove-spec", p.flags, ref, "--digest", d.Digest.String())...)
				if !strings.Contains(r.stderr, d.Digest.String()+" is listed as a compatibility artifact of the image but is not one") || !strings.Contains(r.stderr, "nothing was removed") {
					t.Fatalf("remove-spec --digest of the %s: want it skipped and named, stderr:\n%s", name, r.stderr)
				}
				if strings.Contains(r.stdout, "Removed") {
					t.Fatalf("remove-spec --digest of the %s printed %q", name, r.stdout)
				}
			}
			assertResolve(t, ctx, p.store(t, "guarded"), keep)
			assertReferrers(t, p, img, keep)

			// --replace: the older genuine artifact goes, the foreign ones stay.
			old := strings.TrimSpace(must(t, 0, args("attach-spec", p.flags, ref, kepSpec, "--annotation", "org.opencontainers.image.created=2024-01-01T00:00:00Z")...).stdout)
			r := must(t, 0, args("attach-spec", p.flags, ref, docsSpec, "--replace")...)
			newest := strings.TrimSpace(r.stdout)
			if !strings.Contains(r.stderr, "Removed older compatibility artifact "+old) || strings.Count(r.stderr, "Removed older") != 1 {
				t.Fatalf("--replace should remove only %s:\n%s", old, r.stderr)
			}
			assertSkipped(t, "--replace", r.stderr, foreign)
			assertResolve(t, ctx, p.store(t, "guarded"), keep)
			assertReferrers(t, p, img, keep)
			assertGone(t, ctx, p.store(t, "guarded"), old)

			// --all: the genuine one goes (exit 0), the foreign ones stay, as warnings.
			r = must(t, 0, args("remove-spec", p.flags, ref, "--all", "-o", "json")...)
			var res compatspec.RemoveResult
			decodeJSON(t, r.stdout, &res)
			if len(res.Removed) != 1 || res.Removed[0].Digest.String() != newest || len(res.Skipped) != len(foreign) {
				t.Fatalf("remove-spec --all: removed %v skipped %v, want only %s removed and %d skipped", res.Removed, res.Skipped, newest, len(foreign))
			}
			assertSkipped(t, "--all", r.stderr, foreign)
			assertResolve(t, ctx, p.store(t, "guarded"), keep)
			assertReferrers(t, p, img, keep)
			assertGone(t, ctx, p.store(t, "guarded"), newest)
			for _, tag := range []string{"v1", "v2"} {
				if _, err := p.store(t, "guarded").Resolve(ctx, tag); err != nil {
					t.Fatalf("tag %s gone: %v", tag, err)
				}
			}
			if got := listJSON(t, p, otherRef).Artifacts; len(got) != 1 || got[0].Digest != othersSpec.Artifact.Digest.String() {
				t.Fatalf("the other image's artifacts: %+v, want %s", got, othersSpec.Artifact.Digest)
			}
		})
	}
}

// TestRemoveAllKeepsUnverifiable: an entry whose manifest cannot be fetched
// as its label describes it (here the image's digest with a size that lies)
// cannot be verified, so it is kept; remove-spec --all still removes the
// genuine artifacts but exits 2, naming the entry. Tag-schema registries
// only, for the same reason as above.
func TestRemoveAllKeepsUnverifiable(t *testing.T) {
	ctx := context.Background()
	for _, kind := range []testregistry.Kind{testregistry.GGCRTagSchema, testregistry.Distribution} {
		t.Run(string(kind), func(t *testing.T) {
			p := registryPlace(testregistry.Start(t, kind))
			_, img := p.push(t, "unverifiable")
			ref := p.ref("unverifiable", "v1")
			genuine := strings.TrimSpace(must(t, 0, args("attach-spec", p.flags, ref, kepSpec)...).stdout)
			lying := img
			lying.Size++
			relabelReferrersTag(t, ctx, p.store(t, "unverifiable"), img, lying)
			r := must(t, 2, args("remove-spec", p.flags, ref, "--all")...)
			if !strings.Contains(r.stdout, "Removed "+genuine) || !strings.Contains(r.stderr, "kept "+img.Digest.String()) {
				t.Fatalf("remove-spec --all: want %s removed and the image's entry kept with the reason\nstdout:\n%s\nstderr:\n%s", genuine, r.stdout, r.stderr)
			}
			store := p.store(t, "unverifiable")
			assertResolve(t, ctx, store, map[string]ocispec.Descriptor{"image": img})
			assertGone(t, ctx, store, genuine)
		})
	}
}

func decodeJSON(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("%v\n%s", err, s)
	}
}

// relabelReferrersTag rewrites subject's sha256-<hex> referrers tag index so
// that each of descs is listed with our artifactType, as a buggy or hostile
// tool with push rights can.
func relabelReferrersTag(t *testing.T, ctx context.Context, store oras.GraphTarget, subject ocispec.Descriptor, descs ...ocispec.Descriptor) {
	t.Helper()
	tag := "sha256-" + subject.Digest.Encoded()
	var idx ocispec.Index
	cur, err := store.Resolve(ctx, tag)
	if err != nil {
		t.Fatalf("setup: the image has no referrers tag %s: %v", tag, err)
	}
	raw, err := content.FetchAll(ctx, store, cur)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &idx); err != nil {
		t.Fatal(err)
	}
	for _, d := range descs {
		entry := ocispec.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size, ArtifactType: spec.ArtifactType, Annotations: d.Annotations}
		replaced := false
		for i := range idx.Manifests {
			if idx.Manifests[i].Digest == d.Digest {
				idx.Manifests[i], replaced = entry, true
			}
		}
		if !replaced {
			idx.Manifests = append(idx.Manifests, entry)
		}
	}
	if raw, err = json.Marshal(idx); err != nil {
		t.Fatal(err)
	}
	if _, err := oras.TagBytes(ctx, store, ocispec.MediaTypeImageIndex, raw, tag); err != nil {
		t.Fatalf("setup: rewrite %s: %v", tag, err)
	}
}

// pushLookalikes pushes referrers of subject that carry our artifactType but
// are not compat artifacts: a signature's layer, an SBOM's layer, and an
// image's config and layers.
func pushLookalikes(t *testing.T, ctx context.Context, store oras.GraphTarget, subject ocispec.Descriptor) map[string]ocispec.Descriptor {
	t.Helper()
	subj := ocispec.Descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size}
	sigLayer, err := oras.PushBytes(ctx, store, testimage.SignatureLayerType, []byte(`{"critical":{"type":"cosign container image signature"}}`))
	if err != nil {
		t.Fatal(err)
	}
	sbomLayer, err := oras.PushBytes(ctx, store, testimage.SBOMArtifactType, []byte(`{"spdxVersion":"SPDX-2.3"}`))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := content.FetchAll(ctx, store, subject)
	if err != nil {
		t.Fatal(err)
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	out := map[string]ocispec.Descriptor{}
	for name, opts := range map[string]oras.PackManifestOptions{
		"signature": {Layers: []ocispec.Descriptor{sigLayer}},
		"SBOM":      {Layers: []ocispec.Descriptor{sbomLayer}},
		"image":     {ConfigDescriptor: &m.Config, Layers: m.Layers},
	} {
		opts.Subject = &subj
		d, err := oras.PackManifest(ctx, store, oras.PackManifestVersion1_1, spec.ArtifactType, opts)
		if err != nil {
			t.Fatalf("setup: look-alike %s: %v", name, err)
		}
		out[name] = d
	}
	return out
}

// assertResolve fails unless every manifest in keep still resolves by digest
// and its content is there.
func assertResolve(t *testing.T, ctx context.Context, store oras.GraphTarget, keep map[string]ocispec.Descriptor) {
	t.Helper()
	for name, d := range keep {
		if _, err := store.Resolve(ctx, d.Digest.String()); err != nil {
			t.Fatalf("the %s %s no longer resolves: %v", name, d.Digest, err)
		}
		plain := ocispec.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size}
		if _, err := content.FetchAll(ctx, store, plain); err != nil {
			t.Fatalf("the %s %s can no longer be fetched: %v", name, d.Digest, err)
		}
	}
}

// assertReferrers fails unless every referrer of subject in keep is still
// listed among its referrers.
func assertReferrers(t *testing.T, p place, subject ocispec.Descriptor, keep map[string]ocispec.Descriptor) {
	t.Helper()
	listed := map[string]bool{}
	for _, d := range p.referrers(t, "guarded", subject) {
		listed[d.Digest.String()] = true
	}
	for name, d := range keep {
		if name == "signature" || name == "SBOM" || strings.HasPrefix(name, "look-alike ") {
			if !listed[d.Digest.String()] {
				t.Fatalf("the %s %s is no longer listed among the image's referrers", name, d.Digest)
			}
		}
	}
}

// assertGone fails if the manifest digest still resolves.
func assertGone(t *testing.T, ctx context.Context, store oras.GraphTarget, digest string) {
	t.Helper()
	if _, err := store.Resolve(ctx, digest); err == nil {
		t.Fatalf("%s should have been deleted", digest)
	}
}

// assertSkipped fails unless stderr has a Skipped warning for each foreign entry.
func assertSkipped(t *testing.T, what, stderr string, foreign map[string]ocispec.Descriptor) {
	t.Helper()
	for name, d := range foreign {
		if !strings.Contains(stderr, "Skipped "+d.Digest.String()+", not deleted") {
			t.Fatalf("%s: no Skipped warning for the %s %s:\n%s", what, name, d.Digest, stderr)
		}
	}
}

// TestRemoveOnLayoutDeletesOnlyTheArtifact: on an OCI layout, removing an
// artifact deletes that manifest and nothing it points at or that points at
// it. oras-go's OCI store garbage-collects by default: it would also delete
// the image when the artifact was its last predecessor and the image has no
// tag (pushed by digest), and every referrer of the artifact (a signature of
// the spec).
func TestRemoveOnLayoutDeletesOnlyTheArtifact(t *testing.T) {
	ctx := context.Background()
	dir, store, img := testimage.Layout(t, "") // untagged: only index.json's digest entry keeps it
	ref := dir + "@" + img.Digest.String()
	var att compatspec.AttachResult
	decodeJSON(t, must(t, 0, "attach-spec", "--oci-layout", ref, kepSpec, "-o", "json").stdout, &att)
	store, err := oci.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	specSig, err := testimage.PushSignature(ctx, store, att.Artifact)
	if err != nil {
		t.Fatal(err)
	}
	must(t, 0, "remove-spec", "--oci-layout", ref)

	raw, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	for name, d := range map[string]ocispec.Descriptor{"image": img, "signature of the artifact": specSig} {
		if !strings.Contains(string(raw), d.Digest.String()) {
			t.Fatalf("the %s %s is gone from index.json after remove-spec:\n%s", name, d.Digest, raw)
		}
	}
	store, err = oci.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	assertResolve(t, ctx, store, map[string]ocispec.Descriptor{"image": img, "signature of the artifact": specSig})
	var m ocispec.Manifest
	b, err := content.FetchAll(ctx, store, img)
	if err != nil {
		t.Fatal(err)
	}
	decodeJSON(t, string(b), &m)
	for _, blob := range append([]ocispec.Descriptor{m.Config}, m.Layers...) {
		if ok, err := store.Exists(ctx, blob); err != nil || !ok {
			t.Fatalf("the image's blob %s is gone after remove-spec (%v)", blob.Digest, err)
		}
	}
	assertGone(t, ctx, store, att.Artifact.Digest.String())
}
