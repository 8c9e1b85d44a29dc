package testregistry_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
)

func TestStartKinds(t *testing.T) {
	zero := "sha256:" + strings.Repeat("0", 64)
	for _, kind := range testregistry.Kinds() {
		t.Run(string(kind), func(t *testing.T) {
			r := testregistry.Start(t, kind)
			if r.Kind != kind || !strings.HasPrefix(r.Host, "127.0.0.1:") {
				t.Fatalf("Registry = %+v", r)
			}
			before := r.Requests()
			if got := r.Status(t, "/v2/"); got != http.StatusOK {
				t.Errorf("GET /v2/ = %d, want 200", got)
			}
			// 404 from every kind here (ggcr-referrers: unknown repository); the image tests check
			// referrers on an existing repository, where only ggcr-referrers answers 200.
			if got := r.Status(t, "/v2/test/app/referrers/"+zero); got != http.StatusNotFound {
				t.Errorf("GET referrers = %d, want 404", got)
			}
			if n := r.Requests() - before; n != 2 {
				t.Errorf("Requests() grew by %d, want 2", n)
			}
		})
	}
}

func TestRef(t *testing.T) {
	r := &testregistry.Registry{Host: "127.0.0.1:5000"}
	if got, want := r.Ref("a/b", "v1"), "127.0.0.1:5000/a/b:v1"; got != want {
		t.Errorf("Ref(tag) = %q, want %q", got, want)
	}
	d := "sha256:" + strings.Repeat("a", 64)
	if got, want := r.Ref("a/b", d), "127.0.0.1:5000/a/b@"+d; got != want {
		t.Errorf("Ref(digest) = %q, want %q", got, want)
	}
}

// TestAuthRepo: behind BasicAuth, Repo is refused and AuthRepo pushes.
func TestAuthRepo(t *testing.T) {
	ctx := context.Background()
	reg := testregistry.Start(t, testregistry.GGCRReferrers, testregistry.BasicAuth("alice", "pw"))
	if _, err := testimage.Push(ctx, reg.Repo(t, "private"), "v1"); err == nil {
		t.Fatal("push without credentials: want an error")
	}
	if _, err := testimage.Push(ctx, reg.AuthRepo(t, "private", "alice", "pw"), "v1"); err != nil {
		t.Fatal(err)
	}
}
