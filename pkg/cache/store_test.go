package cache

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"sync/atomic"
	"testing"

	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/content/memory"

	"github.com/nfd-compat/nfd-compat/pkg/spec"
)

// countingStore counts the fetches that reach the source.
type countingStore struct {
	*memory.Store
	fetches atomic.Int64
}

func (s *countingStore) Fetch(ctx context.Context, d ocispec.Descriptor) (io.ReadCloser, error) {
	s.fetches.Add(1)
	return s.Store.Fetch(ctx, d)
}

func TestStore(t *testing.T) {
	ctx := context.Background()
	src := &countingStore{Store: memory.New()}
	push := func(mediaType string, data []byte) ocispec.Descriptor {
		d := content.NewDescriptorFromBytes(mediaType, data)
		if err := src.Push(ctx, d, io.NopCloser(bytesReader(data))); err != nil {
			t.Fatal(err)
		}
		return d
	}
	subject := push(ocispec.MediaTypeImageManifest, []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}`))
	blob := push("application/octet-stream", []byte("a spec"))
	big := push("application/octet-stream", make([]byte, spec.MaxSize+1))

	dir := t.TempDir()
	for run := range 2 {
		s := NewStore(&Blobs{Dir: dir}, src, nil)
		before := src.fetches.Load()
		for _, d := range []ocispec.Descriptor{subject, blob, big} {
			if _, err := content.FetchAll(ctx, s, d); err != nil {
				t.Fatal(err)
			}
		}
		// Cold: all three from the source; warm: only the one over the limit.
		want := map[int]int64{0: 3, 1: 1}[run]
		if got := src.fetches.Load() - before; got != want {
			t.Errorf("run %d: %d fetches reached the source, want %d", run, got, want)
		}
	}

	// Referrers always come from the source: one attached now is seen.
	s := NewStore(&Blobs{Dir: dir}, src, nil)
	art := ocispec.Manifest{
		Versioned: specsVersioned(), MediaType: ocispec.MediaTypeImageManifest, ArtifactType: "application/x-test",
		Config: ocispec.DescriptorEmptyJSON, Layers: []ocispec.Descriptor{blob}, Subject: &subject,
	}
	artData := mustJSON(t, art)
	push(ocispec.MediaTypeImageManifest, artData)
	var got []ocispec.Descriptor
	if err := s.Referrers(ctx, subject, "", func(d []ocispec.Descriptor) error { got = append(got, d...); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Digest != content.NewDescriptorFromBytes("", artData).Digest {
		t.Errorf("referrers = %v, want the artifact just attached", got)
	}
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

func specsVersioned() specs.Versioned { return specs.Versioned{SchemaVersion: 2} }

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
