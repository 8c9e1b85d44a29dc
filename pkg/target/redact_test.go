package target

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/safetext"
)

// TestEchoedCredentialsRedacted: a registry that quotes the request's
// Authorization header in its error body (testregistry.EchoAuthorization,
// a stand-in: no real registry we run echoes it) never gets the password,
// nor the Basic value, into the error text.
func TestEchoedCredentialsRedacted(t *testing.T) {
	const user, password = "puller", "pa55-w0rd-XYZ"
	basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		reg := testregistry.Start(t, testregistry.GGCRReferrers, testregistry.EchoAuthorization(status))
		ctx := context.Background()
		img, err := Open(ctx, reg.Ref("app", "v1"), Options{PlainHTTP: true, Credentials: &Credentials{Username: user, Password: password}})
		if err != nil {
			t.Fatal(err)
		}
		// A GET: HEAD answers (Resolve's) have no body to echo into.
		_, err = img.Store.Fetch(ctx, anyManifest)
		if err == nil {
			t.Fatalf("%d: fetch succeeded", status)
		}
		msg := Explain(img, err).Error()
		if strings.Contains(msg, password) || strings.Contains(msg, basic) {
			t.Errorf("%d: the secret is in the error: %s", status, msg)
		}
		if !strings.Contains(msg, safetext.Redacted) {
			t.Errorf("%d: the echo is not marked as redacted: %s", status, msg)
		}
	}
}

// TestRetriedStatusNamed: a registry answering 500 (or 429) until the
// command's timeout ends gives an error that says so, not only "context
// deadline exceeded"; the echoed secret stays out of it too.
func TestRetriedStatusNamed(t *testing.T) {
	const password = "an0ther-Secret"
	for _, status := range []int{http.StatusInternalServerError, http.StatusTooManyRequests} {
		reg := testregistry.Start(t, testregistry.GGCRReferrers, testregistry.EchoAuthorization(status))
		ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
		img, err := Open(ctx, reg.Ref("app", "v1"), Options{PlainHTTP: true, Credentials: &Credentials{Username: "u", Password: password}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = img.Store.Fetch(ctx, anyManifest)
		cancel()
		if err == nil {
			t.Fatalf("%d: fetch succeeded", status)
		}
		msg := Explain(img, err).Error()
		if !errors.Is(err, ErrRegistryStatus) || !strings.Contains(msg, http.StatusText(status)) {
			t.Errorf("%d: error does not name the registry's answer: %s", status, msg)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%d: error no longer says the deadline passed: %v", status, err)
		}
		if strings.Contains(msg, password) {
			t.Errorf("%d: the secret is in the error: %s", status, msg)
		}
	}
}

var anyManifest = ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromString("m"), Size: 1}
