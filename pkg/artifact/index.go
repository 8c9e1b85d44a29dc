package artifact

// The referrers index of a tag-schema registry, and why it is written here.
//
// A registry without the referrers API (distribution v2/v3, most private
// registries) keeps a subject's referrers list in an ordinary tag,
// sha256-<subject hex>, pointing at an OCI index whose manifests are the
// referrers. Every client that pushes or deletes a referrer rewrites that
// index: read it, add or drop one entry, push the result over the tag.
// oras-go does exactly that (manifestStore.updateReferrersIndex) and
// serialises it only within one Repository value, so two processes (or two
// clients) interleave: both read the same index, both push their version,
// and the second push silently drops the first one's entry. Measured on
// distribution v3: 20 concurrent attach-spec runs, all successful, left 4
// artifacts listed; a remove-spec concurrent with a signature attach dropped
// the signature.
//
// The registry offers no compare-and-swap on a tag, so the write cannot be
// made atomic. What this file does instead, on tag-schema registries only
// (with the referrers API the registry keeps the list):
//
//   - Our manifests are pushed and deleted through a client that does not
//     touch the index (plainRepository), and the index is written here.
//   - Write, then verify (update): read the index; compute the wanted list
//     (the current entries, plus every entry listed in any of our earlier
//     reads that is now missing but whose manifest still exists, plus the
//     recorded compat artifacts the index lacks (records.go), plus our
//     additions, minus our removals); if the current index already is that,
//     the change is verified; else check that the tag still points at the
//     index just read (so the window for a writer we cannot see is one
//     request), push the wanted index over the tag, wait a jittered,
//     growing delay for concurrent writers to land, and verify again, at
//     most maxIndexAttempts times.
//   - An entry that disappeared and whose manifest is gone was removed by
//     someone else and is not put back; for a compat artifact its record
//     must exist too, and remove deletes the record first, so concurrent
//     writers of this package do not put back what is being removed.
//   - Registries refuse an index naming a manifest they do not have, so a
//     dangling entry (listed, manifest gone) blocks every writer of the list;
//     a refused push drops the dangling entries and is retried (write).
//   - Each compat artifact we push also gets a record tag of its own
//     (records.go). A writer that overwrites the index after our last
//     verification (another tool, or a writer that read before our write)
//     can still drop our entry; readers then add it back from the record
//     (List), and the next write of this package repairs the index.
//
// What can still race is stated in the README ("Concurrent writers").

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/errcode"

	specpkg "github.com/nfd-compat/nfd-compat/pkg/spec"
)

const (
	// maxIndexAttempts bounds the write-and-verify rounds of one change.
	maxIndexAttempts = 10
	// indexBackoff is the first delay before verifying a write; it doubles
	// each round up to maxIndexBackoff, each delay jittered by ±50%.
	indexBackoff    = 40 * time.Millisecond
	maxIndexBackoff = 2 * time.Second
	// maxIndexSize bounds the referrers index read (oras-go's default for
	// metadata answers).
	maxIndexSize = 4 << 20
)

// ErrConcurrentWriteLost means our change is in the index, verified, but
// another tool pushed the list while our push was in flight, and that tool's
// change was overwritten: it must be redone (its manifest still exists).
var ErrConcurrentWriteLost = errors.New("another tool wrote the referrers list at the same moment and its change was overwritten: re-run that tool's push (`oras discover` shows what is listed)")

// ErrIndexConflict means the referrers index kept changing under concurrent
// writers for every attempt; the change was not verified.
var ErrIndexConflict = errors.New("referrers index kept changing under concurrent writers")

// referrersIndex is one subject's sha256-<hex> referrers index.
type referrersIndex struct {
	repo    *remote.Repository // writes without oras-go's indexing
	subject ocispec.Descriptor
	tag     string
}

func newReferrersIndex(repo *remote.Repository, subject ocispec.Descriptor) (*referrersIndex, error) {
	if err := subject.Digest.Validate(); err != nil {
		return nil, fmt.Errorf("subject digest %q: %w", subject.Digest, err)
	}
	plain, err := plainRepository(repo)
	if err != nil {
		return nil, err
	}
	tag := subject.Digest.Algorithm().String() + "-" + subject.Digest.Encoded()
	return &referrersIndex{repo: plain, subject: subject, tag: tag}, nil
}

// read returns the index's digest ("" when there is none) and its entries.
func (ix *referrersIndex) read(ctx context.Context) (digest.Digest, []ocispec.Descriptor, error) {
	desc, rc, err := ix.repo.FetchReference(ctx, ix.tag)
	if errors.Is(err, errdef.ErrNotFound) {
		return "", nil, nil
	}
	if err != nil {
		return "", nil, fmt.Errorf("read referrers index %s: %w", ix.tag, err)
	}
	defer rc.Close()
	// As oras-go: a tag that resolves to the subject itself or to something
	// other than an OCI index is no referrers list (and is replaced).
	if desc.MediaType != ocispec.MediaTypeImageIndex || desc.Digest == ix.subject.Digest {
		return desc.Digest, nil, nil
	}
	if desc.Size > maxIndexSize {
		return "", nil, fmt.Errorf("referrers index %s is %d bytes, over the %d byte limit", ix.tag, desc.Size, maxIndexSize)
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(rc, desc.Size+1)); err != nil {
		return "", nil, fmt.Errorf("read referrers index %s: %w", ix.tag, err)
	}
	if int64(buf.Len()) != desc.Size || digest.FromBytes(buf.Bytes()) != desc.Digest {
		return "", nil, fmt.Errorf("referrers index %s does not match its digest %s", ix.tag, desc.Digest)
	}
	var index ocispec.Index
	if err := json.Unmarshal(buf.Bytes(), &index); err != nil {
		return "", nil, fmt.Errorf("referrers index %s is not valid JSON: %w", ix.tag, err)
	}
	return desc.Digest, index.Manifests, nil
}

// update adds add and drops the digests in remove, then verifies as the file
// comment says. It returns the entries last verified.
func (ix *referrersIndex) update(ctx context.Context, add []ocispec.Descriptor, remove []digest.Digest) ([]ocispec.Descriptor, error) {
	removing := make(map[digest.Digest]bool, len(remove))
	for _, d := range remove {
		removing[d] = true
	}
	seen := map[digest.Digest]ocispec.Descriptor{} // every entry any read listed
	var seenOrder []digest.Digest
	delay := indexBackoff
	var written, base digest.Digest // our last index pushed, and the one it replaced
	overwrote := false
	for attempt := 1; ; attempt++ {
		indexDigest, cur, err := ix.read(ctx)
		if err != nil {
			return nil, err
		}
		if written != "" && indexDigest == written && base != "" {
			// Tools that delete the index they replaced (oras-go's default)
			// leave a trace: the index ours was computed from is gone while
			// ours is still the list, so such a tool's push landed between
			// our check and our push, and ours overwrote its entry.
			ok, err := ix.repo.Exists(ctx, ocispec.Descriptor{MediaType: ocispec.MediaTypeImageIndex, Digest: base})
			if err != nil {
				return nil, fmt.Errorf("check replaced referrers index %s: %w", base, err)
			}
			overwrote = overwrote || !ok
		}
		for _, d := range cur {
			if _, ok := seen[d.Digest]; !ok {
				seen[d.Digest] = d
				seenOrder = append(seenOrder, d.Digest)
			}
		}
		want, err := ix.wanted(ctx, cur, seen, seenOrder, add, removing)
		if err != nil {
			return nil, err
		}
		if sameDigests(cur, want) {
			if overwrote {
				return cur, fmt.Errorf("%s of %s: %w", ix.tag, ix.subject.Digest, ErrConcurrentWriteLost)
			}
			return cur, nil
		}
		if attempt > maxIndexAttempts {
			return nil, fmt.Errorf("%s of %s after %d attempts: %w", ix.tag, ix.subject.Digest, maxIndexAttempts, ErrIndexConflict)
		}
		w, err := ix.write(ctx, want, indexDigest)
		if err != nil && !errors.Is(err, errIndexRefused) {
			return nil, err
		}
		if w != "" {
			written, base = w, indexDigest
		}
		if err := sleep(ctx, jitter(delay)); err != nil {
			return nil, err
		}
		delay = min(2*delay, maxIndexBackoff)
	}
}

// wanted computes the list the index should hold now.
func (ix *referrersIndex) wanted(ctx context.Context, cur []ocispec.Descriptor, seen map[digest.Digest]ocispec.Descriptor, seenOrder []digest.Digest, add []ocispec.Descriptor, removing map[digest.Digest]bool) ([]ocispec.Descriptor, error) {
	present := make(map[digest.Digest]bool, len(cur))
	want := make([]ocispec.Descriptor, 0, len(cur)+len(add))
	for _, d := range cur {
		if present[d.Digest] || removing[d.Digest] || d.Digest == "" {
			continue
		}
		present[d.Digest] = true
		want = append(want, d)
	}
	appendNew := func(d ocispec.Descriptor) {
		if !present[d.Digest] && !removing[d.Digest] {
			present[d.Digest] = true
			want = append(want, d)
		}
	}
	// Entries an earlier read listed that a concurrent write dropped: put
	// back unless their manifest is gone (then they were removed on purpose).
	for _, dg := range seenOrder {
		d := seen[dg]
		if present[dg] || removing[dg] {
			continue
		}
		ok, err := ix.stillThere(ctx, d)
		if err != nil {
			return nil, err
		}
		if ok {
			appendNew(d)
		}
	}
	recorded, err := recordedArtifacts(ctx, ix.repo, ix.subject, append(slices.Clone(want), add...))
	if err != nil {
		return nil, err
	}
	for _, d := range recorded {
		appendNew(d)
	}
	for _, d := range add {
		appendNew(d)
	}
	return want, nil
}

// stillThere reports whether a dropped entry d should be put back: its
// manifest exists and, for a compat artifact, so does its record (remove
// deletes the record first, so a removal in progress is not undone).
func (ix *referrersIndex) stillThere(ctx context.Context, d ocispec.Descriptor) (bool, error) {
	ok, err := ix.repo.Exists(ctx, d)
	if err != nil {
		return false, fmt.Errorf("check dropped referrer %s: %w", d.Digest, err)
	}
	if !ok || !specpkg.IsArtifactType(d.ArtifactType) {
		return ok, nil
	}
	tag, ok := recordTag(ix.subject.Digest, d.Digest)
	if !ok {
		return true, nil
	}
	if _, err := ix.repo.Resolve(ctx, tag); err != nil {
		if errors.Is(err, errdef.ErrNotFound) {
			return false, nil
		}
		return false, fmt.Errorf("check record %s: %w", tag, err)
	}
	return true, nil
}

// moved reports whether the tag no longer points at the index read.
func (ix *referrersIndex) moved(ctx context.Context, read digest.Digest) (bool, error) {
	d, err := ix.repo.Resolve(ctx, ix.tag)
	if errors.Is(err, errdef.ErrNotFound) {
		return read != "", nil
	}
	if err != nil {
		return false, fmt.Errorf("resolve referrers index %s: %w", ix.tag, err)
	}
	return d.Digest != read, nil
}

// write pushes entries as the index and points the tag at it, unless the
// tag no longer points at read, the index they were computed from (then
// the next round recomputes). The index is pushed by digest first, so that
// the registry's checks of it (slow: seconds under load were measured) are
// done before the tag is checked; what is left between the check and the
// tag update is one request.
//
// An empty list is pushed too (not the tag deleted): some registries keep
// serving a tag whose manifest was deleted. Old index versions are left
// untagged for the registry's garbage collection: deleting one by digest
// would also delete the tag of a concurrent writer whose index happens to
// have equal bytes.
func (ix *referrersIndex) write(ctx context.Context, entries []ocispec.Descriptor, read digest.Digest) (digest.Digest, error) {
	desc, raw, err := ix.pushUntagged(ctx, entries)
	if refused(err) {
		// Registries refuse an index naming a manifest they do not have, so
		// a dangling entry blocks every writer until it is gone: drop those.
		kept := make([]ocispec.Descriptor, 0, len(entries))
		for _, d := range entries {
			ok, herr := ix.repo.Exists(ctx, d)
			if herr != nil {
				return "", fmt.Errorf("%w (and checking entry %s: %w)", err, d.Digest, herr)
			}
			if ok {
				kept = append(kept, d)
			}
		}
		if len(kept) < len(entries) {
			desc, raw, err = ix.pushUntagged(ctx, kept)
		}
		if refused(err) {
			// An entry went between the check and the push: next round.
			return "", fmt.Errorf("%w: %w", errIndexRefused, err)
		}
	}
	if err != nil {
		return "", err
	}
	moved, err := ix.moved(ctx, read)
	if err != nil || moved {
		return "", err
	}
	if err := ix.repo.PushReference(ctx, desc, bytes.NewReader(raw), ix.tag); err != nil {
		if refused(err) {
			return "", fmt.Errorf("%w: %w", errIndexRefused, err)
		}
		return "", fmt.Errorf("push referrers index %s: %w", ix.tag, err)
	}
	return desc.Digest, nil
}

// errIndexRefused means the registry refused an index because an entry's
// manifest went missing while it was written: the round is retried.
var errIndexRefused = errors.New("referrers index refused")

// refused reports whether err is the registry's "an entry's manifest is
// unknown" answer to an index push (400 on distribution, 404 elsewhere).
func refused(err error) bool {
	var resp *errcode.ErrorResponse
	return errors.As(err, &resp) && (resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusNotFound)
}

func (ix *referrersIndex) pushUntagged(ctx context.Context, entries []ocispec.Descriptor) (ocispec.Descriptor, []byte, error) {
	if entries == nil {
		entries = []ocispec.Descriptor{}
	}
	raw, err := json.Marshal(ocispec.Index{
		Versioned: specs.Versioned{SchemaVersion: 2},
		MediaType: ocispec.MediaTypeImageIndex,
		Manifests: entries,
	})
	if err != nil {
		return ocispec.Descriptor{}, nil, err
	}
	desc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageIndex, Digest: digest.FromBytes(raw), Size: int64(len(raw))}
	if err := ix.repo.Push(ctx, desc, bytes.NewReader(raw)); err != nil && !errors.Is(err, errdef.ErrAlreadyExists) {
		return ocispec.Descriptor{}, nil, fmt.Errorf("push referrers index for %s: %w", ix.tag, err)
	}
	return desc, raw, nil
}

func sameDigests(a, b []ocispec.Descriptor) bool {
	if len(a) != len(b) {
		return false
	}
	set := make(map[digest.Digest]bool, len(a))
	for _, d := range a {
		set[d.Digest] = true
	}
	for _, d := range b {
		if !set[d.Digest] {
			return false
		}
	}
	return len(set) == len(b)
}

func jitter(d time.Duration) time.Duration {
	return d/2 + rand.N(d)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
