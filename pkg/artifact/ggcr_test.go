package artifact_test

import (
	"context"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	orasregistry "oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote"

	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/pkg/artifact"
)

// TestListOnRegistryWithWrongArtifactType: go-containerregistry's registry
// (unwrapped here, unlike in internal/testregistry) reports a referrer's
// artifactType from config.mediaType, so every artifact with the empty config
// looks alike. List must still find compat artifacts, and only them.
func TestListOnRegistryWithWrongArtifactType(t *testing.T) {
	ctx := context.Background()
	srv := httptest.NewServer(registry.New(registry.WithReferrersSupport(true), registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	repo, err := remote.NewRepository(strings.TrimPrefix(srv.URL, "http://") + "/app")
	if err != nil {
		t.Fatal(err)
	}
	repo.PlainHTTP = true
	img, err := testimage.Push(ctx, repo, "v1")
	if err != nil {
		t.Fatal(err)
	}
	want, err := artifact.Attach(ctx, repo, img, []byte(specYAML), artifact.AttachOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := testimage.PushSignature(ctx, repo, img); err != nil {
		t.Fatal(err)
	}
	// A fresh client that uses the referrers API (the push above found no
	// OCI-Subject header and also wrote the tag-schema index).
	api, err := remote.NewRepository(repo.Reference.String())
	if err != nil {
		t.Fatal(err)
	}
	api.PlainHTTP = true
	if err := api.SetReferrersCapability(true); err != nil {
		t.Fatal(err)
	}
	raw, err := orasregistry.Referrers(ctx, api, img, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) != 2 || raw[0].ArtifactType != ocispec.MediaTypeEmptyJSON {
		t.Fatalf("the registry's quirk is gone (referrers %+v): this test no longer covers the fallback", raw)
	}
	got, err := artifact.List(ctx, api, img)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Digest != want.Digest {
		t.Fatalf("List = %+v, want only %s", got, want.Digest)
	}
}
