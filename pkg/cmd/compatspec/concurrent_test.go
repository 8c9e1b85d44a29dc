package compatspec_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/registry"

	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/compatspec"
	"github.com/nfd-compat/nfd-compat/pkg/output"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// concurrencyKinds: the registries without the referrers API, where the
// client writes the referrers index, and GGCRReferrers as the control.
var concurrencyKinds = []testregistry.Kind{testregistry.Distribution, testregistry.GGCRTagSchema, testregistry.GGCRReferrers}

type regImage struct {
	reg  *testregistry.Registry
	opts target.ImageOptions
	desc ocispec.Descriptor
}

func pushRegImage(t *testing.T, kind testregistry.Kind) regImage {
	t.Helper()
	reg := testregistry.Start(t, kind)
	desc, err := testimage.Push(context.Background(), reg.Repo(t, "app"), "v1")
	if err != nil {
		t.Fatal(err)
	}
	return regImage{reg: reg, desc: desc, opts: target.ImageOptions{Ref: reg.Ref("app", "v1"), Target: target.Options{PlainHTTP: true}}}
}

// attachN attaches a distinct spec (by annotation) as one attach-spec run.
func attachN(ctx context.Context, img regImage, n int) (digest.Digest, error) {
	data, err := os.ReadFile("../../../examples/demo-spec.yaml")
	if err != nil {
		return "", err
	}
	var out, errOut bytes.Buffer
	err = compatspec.Attach(ctx, compatspec.AttachOptions{
		Image: img.opts, Spec: data, SpecName: "demo-spec.yaml",
		Annotations: map[string]string{"test.nfd-compat/n": fmt.Sprint(n)},
		Stdout:      &out, Stderr: &errOut,
	})
	d := digest.Digest(strings.TrimSpace(out.String()))
	if err != nil {
		return d, fmt.Errorf("attach %d: %w (stderr %s)", n, err, errOut.String())
	}
	return d, nil
}

func listSpecs(t *testing.T, img regImage) compatspec.ListResult {
	t.Helper()
	var out bytes.Buffer
	if err := compatspec.List(context.Background(), compatspec.ListOptions{Image: img.opts, Output: output.JSON, Stdout: &out}); err != nil {
		t.Fatalf("list-specs: %v", err)
	}
	var res compatspec.ListResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	return res
}

// discover lists the referrers as `oras discover` does: a fresh client, the
// registry's referrers API or the sha256-<hex> index, nothing of ours.
func discover(t *testing.T, img regImage) map[digest.Digest]ocispec.Descriptor {
	t.Helper()
	refs, err := registry.Referrers(context.Background(), img.reg.Repo(t, "app"), img.desc, "")
	if err != nil {
		t.Fatalf("referrers: %v", err)
	}
	out := map[digest.Digest]ocispec.Descriptor{}
	for _, d := range refs {
		out[d.Digest] = d
	}
	return out
}

func listed(res compatspec.ListResult) map[digest.Digest]compatspec.ListEntry {
	out := map[digest.Digest]compatspec.ListEntry{}
	for _, e := range res.Artifacts {
		out[digest.Digest(e.Digest)] = e
	}
	return out
}

// TestConcurrentAttach: 20 attach-spec runs at once, each with its own
// client as separate processes would be, must all be listed by list-specs
// and by a plain referrers read. Without the verified index write,
// distribution listed 4 of 20.
func TestConcurrentAttach(t *testing.T) {
	const n = 20
	for _, kind := range concurrencyKinds {
		t.Run(string(kind), func(t *testing.T) {
			img := pushRegImage(t, kind)
			ctx := context.Background()
			digests := make([]digest.Digest, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					digests[i], errs[i] = attachN(ctx, img, i)
				}()
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			got := listed(listSpecs(t, img))
			refs := discover(t, img)
			for _, d := range digests {
				if e, ok := got[d]; !ok || e.Dangling || e.Error != "" {
					t.Errorf("list-specs: %s missing or broken (%+v)", d, e)
				}
				if _, ok := refs[d]; !ok {
					t.Errorf("referrers: %s missing", d)
				}
			}
			if len(got) != n || len(refs) != n {
				t.Errorf("list-specs lists %d, referrers %d, want %d each", len(got), len(refs), n)
			}
		})
	}
}

// TestConcurrentAttachRemoveWithSignatures: attach-spec and remove-spec runs
// at once while another tool (oras-go, as `oras attach`, one signature
// after another) writes the same referrers list. The signatures there
// before are never lost, every new artifact is listed and none of the
// removed ones is. A signature written concurrently can still be lost when
// its write lands while one of ours is in flight (the registry has no
// conditional tag update): those are counted and logged, not asserted.
func TestConcurrentAttachRemoveWithSignatures(t *testing.T) {
	const n = 8
	for _, kind := range concurrencyKinds {
		t.Run(string(kind), func(t *testing.T) {
			img := pushRegImage(t, kind)
			ctx := context.Background()
			old := make([]digest.Digest, n)
			for i := range n {
				d, err := attachN(ctx, img, 1000+i)
				if err != nil {
					t.Fatal(err)
				}
				old[i] = d
			}
			var before []digest.Digest
			for range 3 {
				sig, err := testimage.PushSignature(ctx, img.reg.Repo(t, "app"), img.desc)
				if err != nil {
					t.Fatal(err)
				}
				before = append(before, sig.Digest)
			}
			var mu sync.Mutex
			var errs []error
			var sigs, added []digest.Digest
			reported := 0
			record := func(list *[]digest.Digest, d digest.Digest, err error) {
				mu.Lock()
				defer mu.Unlock()
				if errors.Is(err, artifact.ErrConcurrentWriteLost) {
					reported++ // done, and said that another tool's change was overwritten
				} else if err != nil {
					errs = append(errs, err)
					return
				}
				if list != nil {
					*list = append(*list, d)
				}
			}
			var wg sync.WaitGroup
			wg.Add(1)
			go func() { // the other tool
				defer wg.Done()
				for range n {
					sig, err := testimage.PushSignature(ctx, img.reg.Repo(t, "app"), img.desc)
					record(&sigs, sig.Digest, err)
				}
			}()
			for i := range n {
				wg.Add(2)
				go func() {
					defer wg.Done()
					d, err := attachN(ctx, img, i)
					record(&added, d, err)
				}()
				go func() {
					defer wg.Done()
					var out bytes.Buffer
					err := compatspec.Remove(ctx, compatspec.RemoveOptions{Image: img.opts, Digest: old[i].String(), Stdout: &out})
					record(nil, "", err)
				}()
			}
			wg.Wait()
			for _, err := range errs {
				t.Error(err)
			}
			check := func(when string) {
				t.Helper()
				refs := discover(t, img)
				for _, s := range before {
					if _, ok := refs[s]; !ok {
						t.Errorf("%s: signature %s, there before, lost from the referrers list", when, s)
					}
				}
				lost := 0
				for _, s := range sigs {
					if _, ok := refs[s]; !ok {
						lost++
					}
				}
				t.Logf("%s: %d of %d signatures written concurrently lost; %d runs reported an overwritten concurrent change", when, lost, len(sigs), reported)
			}
			check("after the concurrent runs")
			got := listed(listSpecs(t, img))
			for _, d := range added {
				if e, ok := got[d]; !ok || e.Dangling {
					t.Errorf("list-specs: attached %s missing (%+v)", d, e)
				}
			}
			for _, d := range old {
				if e, ok := got[d]; ok && !e.Dangling {
					t.Errorf("list-specs: removed %s still listed", d)
				}
			}
			// A later write repairs whatever the other tool's unverified
			// writes dropped: then the plain referrers read has all of ours.
			last, err := attachN(ctx, img, 99)
			if err != nil {
				t.Fatal(err)
			}
			refs := discover(t, img)
			for _, d := range append(added, last) {
				if _, ok := refs[d]; !ok {
					t.Errorf("referrers after a later write: %s missing", d)
				}
			}
			for _, d := range old {
				if _, ok := refs[d]; ok {
					t.Errorf("referrers after a later write: removed %s listed", d)
				}
			}
			check("after a later write")
		})
	}
}

// TestRemoveAllWithSignatureAttach is the case: remove-spec --all
// while another tool attaches one signature, several trials. Before, the
// signature was dropped silently in 3 of 6 trials on distribution. It can
// still be overwritten (see above), but remove-spec must then say so.
func TestRemoveAllWithSignatureAttach(t *testing.T) {
	const trials = 6
	for _, kind := range []testregistry.Kind{testregistry.Distribution, testregistry.GGCRTagSchema} {
		t.Run(string(kind), func(t *testing.T) {
			img := pushRegImage(t, kind)
			ctx := context.Background()
			lost := 0
			for trial := range trials {
				before, err := testimage.PushSignature(ctx, img.reg.Repo(t, "app"), img.desc)
				if err != nil {
					t.Fatal(err)
				}
				for i := range 3 {
					if _, err := attachN(ctx, img, 10*trial+i); err != nil {
						t.Fatal(err)
					}
				}
				var wg sync.WaitGroup
				var sig ocispec.Descriptor
				var sigErr, rmErr error
				wg.Add(2)
				go func() {
					defer wg.Done()
					sig, sigErr = testimage.PushSignature(ctx, img.reg.Repo(t, "app"), img.desc)
				}()
				go func() {
					defer wg.Done()
					rmErr = compatspec.Remove(ctx, compatspec.RemoveOptions{Image: img.opts, All: true, Stdout: &bytes.Buffer{}})
				}()
				wg.Wait()
				if sigErr != nil || (rmErr != nil && !errors.Is(rmErr, artifact.ErrConcurrentWriteLost)) {
					t.Fatalf("trial %d: signature: %v, remove-spec --all: %v", trial, sigErr, rmErr)
				}
				refs := discover(t, img)
				if _, ok := refs[before.Digest]; !ok {
					t.Errorf("trial %d: signature there before remove-spec --all lost", trial)
				}
				// oras-go deletes the index it replaced, which shows when
				// our push overwrote its change: never lost silently.
				if _, ok := refs[sig.Digest]; !ok {
					lost++
					if rmErr == nil {
						t.Errorf("trial %d: the concurrent signature was lost and remove-spec did not say so", trial)
					}
				}
				for _, d := range refs {
					if d.ArtifactType != testimage.SignatureArtifactType {
						t.Errorf("trial %d: %s (%s) listed after remove-spec --all", trial, d.Digest, d.ArtifactType)
					}
				}
			}
			t.Logf("concurrent signature lost (and reported) in %d of %d trials", lost, trials)
		})
	}
}

// TestLostEntryRecovered: another tool overwrites the index without our
// entry (a lost update). list-specs still lists it from its record tag, and
// the next attach puts it back into the index.
func TestLostEntryRecovered(t *testing.T) {
	for _, kind := range []testregistry.Kind{testregistry.Distribution, testregistry.GGCRTagSchema} {
		t.Run(string(kind), func(t *testing.T) {
			img := pushRegImage(t, kind)
			ctx := context.Background()
			lost, err := attachN(ctx, img, 1)
			if err != nil {
				t.Fatal(err)
			}
			sig, err := testimage.PushSignature(ctx, img.reg.Repo(t, "app"), img.desc)
			if err != nil {
				t.Fatal(err)
			}
			// The other tool's stale write: the index with the signature only.
			sigDesc := discover(t, img)[sig.Digest]
			overwriteIndex(t, img, []ocispec.Descriptor{sigDesc})
			if _, ok := discover(t, img)[lost]; ok {
				t.Fatal("setup: the entry is still in the index")
			}
			if e, ok := listed(listSpecs(t, img))[lost]; !ok || e.Error != "" {
				t.Fatalf("list-specs does not list the artifact lost from the index (%+v)", e)
			}
			next, err := attachN(ctx, img, 2)
			if err != nil {
				t.Fatal(err)
			}
			refs := discover(t, img)
			for _, d := range []digest.Digest{lost, next, sig.Digest} {
				if _, ok := refs[d]; !ok {
					t.Errorf("referrers after the next attach: %s missing", d)
				}
			}
		})
	}
}

func overwriteIndex(t *testing.T, img regImage, entries []ocispec.Descriptor) {
	t.Helper()
	raw, err := json.Marshal(ocispec.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageIndex, Manifests: entries})
	if err != nil {
		t.Fatal(err)
	}
	tag := "sha256-" + img.desc.Digest.Encoded()
	if _, err := oras.TagBytes(context.Background(), img.reg.Repo(t, "app"), ocispec.MediaTypeImageIndex, raw, tag); err != nil {
		t.Fatal(err)
	}
}

// deleteManifestOnly deletes d without touching the referrers index, as an
// interrupted remove or a registry-side delete leaves it: a dangling entry.
func deleteManifestOnly(t *testing.T, img regImage, d digest.Digest) {
	t.Helper()
	repo := img.reg.Repo(t, "app")
	if err := repo.SetReferrersCapability(true); err != nil { // no client-side indexing
		t.Fatal(err)
	}
	desc, err := repo.Resolve(context.Background(), d.String())
	if err != nil {
		t.Fatal(err)
	}
	if err := repo.Delete(context.Background(), desc); err != nil {
		t.Fatal(err)
	}
}

// TestDanglingEntry: an index entry whose manifest is gone is listed as
// dangling (exit 0), remove-spec --digest drops it from the index, and
// remove-spec --all drops all dangling ones, leaving the signature.
func TestDanglingEntry(t *testing.T) {
	for _, kind := range []testregistry.Kind{testregistry.Distribution, testregistry.GGCRTagSchema} {
		t.Run(string(kind), func(t *testing.T) {
			img := pushRegImage(t, kind)
			ctx := context.Background()
			var ds []digest.Digest
			for i := range 4 {
				d, err := attachN(ctx, img, i)
				if err != nil {
					t.Fatal(err)
				}
				ds = append(ds, d)
			}
			sig, err := testimage.PushSignature(ctx, img.reg.Repo(t, "app"), img.desc)
			if err != nil {
				t.Fatal(err)
			}
			// One dangling entry: listed as such, exit 0.
			deleteManifestOnly(t, img, ds[0])
			got := listed(listSpecs(t, img))
			if e := got[ds[0]]; !e.Dangling || !strings.Contains(e.Error, "remove-spec --digest") {
				t.Errorf("list-specs: %s = %+v, want dangling", ds[0], e)
			}
			for _, d := range ds[1:] {
				if e := got[d]; e.Dangling || e.Error != "" {
					t.Errorf("list-specs: intact %s = %+v", d, e)
				}
			}
			var table bytes.Buffer
			if err := compatspec.List(ctx, compatspec.ListOptions{Image: img.opts, Stdout: &table}); err != nil || !strings.Contains(table.String(), "dangling") {
				t.Errorf("list-specs table: %v\n%s", err, table.String())
			}
			var out bytes.Buffer
			if err := compatspec.Remove(ctx, compatspec.RemoveOptions{Image: img.opts, Digest: ds[0].String(), Stdout: &out}); err != nil {
				t.Fatalf("remove-spec --digest of a dangling entry: %v", err)
			}
			if !strings.Contains(out.String(), "Dropped dangling entry "+ds[0].String()) {
				t.Errorf("remove-spec said %q", out.String())
			}
			refs := discover(t, img)
			if _, ok := refs[ds[0]]; ok || len(refs) != 4 {
				t.Errorf("after remove-spec --digest: referrers %v, want the 3 intact artifacts and the signature", refs)
			}
			// Two dangling entries and an intact one: --all drops and removes all.
			deleteManifestOnly(t, img, ds[1])
			deleteManifestOnly(t, img, ds[2])
			out.Reset()
			if err := compatspec.Remove(ctx, compatspec.RemoveOptions{Image: img.opts, All: true, Output: output.JSON, Stdout: &out}); err != nil {
				t.Fatalf("remove-spec --all: %v", err)
			}
			var res compatspec.RemoveResult
			if err := json.Unmarshal(out.Bytes(), &res); err != nil {
				t.Fatal(err)
			}
			if len(res.Dangling) != 2 || len(res.Removed) != 1 || res.Removed[0].Digest != ds[3] {
				t.Errorf("remove-spec --all = %s, want 2 dangling dropped and %s removed", out.String(), ds[3])
			}
			refs = discover(t, img)
			if len(refs) != 1 {
				t.Errorf("referrers after remove-spec --all = %v, want only the signature", refs)
			}
			if _, ok := refs[sig.Digest]; !ok {
				t.Error("the signature was dropped")
			}
			if _, err := img.reg.Repo(t, "app").Resolve(ctx, sig.Digest.String()); err != nil {
				t.Errorf("signature manifest: %v", err)
			}
		})
	}
}

// TestRemoveRefusedKeepsEntry: on a registry that refuses deletes, the
// entry dropped from the index before the delete is listed again, so a
// failed remove-spec leaves the list as it was.
func TestRemoveRefusedKeepsEntry(t *testing.T) {
	reg := testregistry.Start(t, testregistry.GGCRTagSchema, testregistry.RefuseDeletes)
	desc, err := testimage.Push(context.Background(), reg.Repo(t, "app"), "v1")
	if err != nil {
		t.Fatal(err)
	}
	img := regImage{reg: reg, desc: desc, opts: target.ImageOptions{Ref: reg.Ref("app", "v1"), Target: target.Options{PlainHTTP: true}}}
	d, err := attachN(context.Background(), img, 1)
	if err != nil {
		t.Fatal(err)
	}
	err = compatspec.Remove(context.Background(), compatspec.RemoveOptions{Image: img.opts, Digest: d.String(), Stdout: &bytes.Buffer{}})
	if err == nil || !strings.Contains(err.Error(), "enable deletes") {
		t.Fatalf("remove-spec on a registry refusing deletes: %v", err)
	}
	if _, ok := discover(t, img)[d]; !ok {
		t.Error("the artifact is no longer in the referrers index after the refused delete")
	}
}
