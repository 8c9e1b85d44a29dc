package target

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry"

	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
)

// hugeReferrers answers every referrers query with a valid image index
// padded past MaxMetadata, with or without a Content-Length.
func hugeReferrers(chunked bool) testregistry.Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if !strings.Contains(req.URL.Path, "/referrers/") {
				next.ServeHTTP(w, req)
				return
			}
			body := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[],"annotations":{"pad":"` +
				strings.Repeat("x", MaxMetadata) + `"}}`
			w.Header().Set("Content-Type", ocispec.MediaTypeImageIndex)
			if chunked {
				w.(http.Flusher).Flush() // headers out before the body: no Content-Length
			}
			_, _ = w.Write([]byte(body))
		})
	}
}

// TestReferrersOverLimitNamed: a referrers answer over the limit says which
// limit, not oras-go's "unexpected EOF".
func TestReferrersOverLimitNamed(t *testing.T) {
	for _, chunked := range []bool{false, true} {
		reg := testregistry.Start(t, testregistry.GGCRReferrers, hugeReferrers(chunked))
		ctx := context.Background()
		desc, err := testimage.Push(ctx, reg.Repo(t, "app"), "v1")
		if err != nil {
			t.Fatal(err)
		}
		img, err := Open(ctx, reg.Ref("app", "v1"), Options{PlainHTTP: true})
		if err != nil {
			t.Fatal(err)
		}
		_, err = registry.Referrers(ctx, img.Store, desc, "")
		if !errors.Is(err, errdef.ErrSizeExceedsLimit) || !strings.Contains(err.Error(), "over the 4194304 byte limit") {
			t.Errorf("chunked=%v: %v", chunked, err)
		}
	}
}
