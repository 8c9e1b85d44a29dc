package testregistry

import (
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
)

// Kind names a registry implementation.
type Kind string

// The registry kinds Start knows.
const (
	// GGCRReferrers is go-containerregistry's in-memory registry with the referrers API, corrected to
	// the OCI distribution spec 1.1 (see oci11).
	GGCRReferrers Kind = "ggcr-referrers"
	// GGCRTagSchema is go-containerregistry's in-memory registry without the referrers API.
	GGCRTagSchema Kind = "ggcr-tagschema"
	// Distribution is the CNCF distribution registry v3 (filesystem storage, no referrers API).
	Distribution Kind = "distribution"
)

// Kinds returns all registry kinds.
func Kinds() []Kind { return []Kind{GGCRReferrers, GGCRTagSchema, Distribution} }

// Registry is a running registry, served over plain HTTP.
type Registry struct {
	Kind Kind
	Host string // 127.0.0.1:PORT

	requests atomic.Int64
	srv      *httptest.Server
}

// Middleware wraps a registry's handler, e.g. to require authentication or
// to refuse deletes as some registries do.
type Middleware func(http.Handler) http.Handler

// Start starts a registry of kind for the test and stops it in t.Cleanup.
// Middlewares wrap it in order, the first outermost.
func Start(t testing.TB, kind Kind, mws ...Middleware) *Registry {
	t.Helper()
	r := &Registry{Kind: kind}
	var h http.Handler
	switch kind {
	case GGCRReferrers, GGCRTagSchema:
		h = registry.New(
			registry.WithReferrersSupport(kind == GGCRReferrers),
			registry.Logger(log.New(io.Discard, "", 0)),
		)
		if kind == GGCRReferrers {
			h = oci11(h)
		}
	case Distribution:
		h = startDistribution(t)
	default:
		t.Fatalf("testregistry: unknown kind %q", kind)
	}
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.requests.Add(1)
		h.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	r.srv = srv
	r.Host = strings.TrimPrefix(srv.URL, "http://")
	return r
}

// Close stops the registry before the test ends: its port refuses
// connections from then on (a registry that is down).
func (r *Registry) Close() { r.srv.Close() }

// Requests returns how many HTTP requests the registry has served so far.
func (r *Registry) Requests() int64 { return r.requests.Load() }

// Ref returns the reference of repo at a tag or, if tagOrDigest has an algorithm prefix, a digest.
func (r *Registry) Ref(repo, tagOrDigest string) string {
	if strings.Contains(tagOrDigest, ":") {
		return r.Host + "/" + repo + "@" + tagOrDigest
	}
	return r.Host + "/" + repo + ":" + tagOrDigest
}

// BasicAuth is a Middleware that answers 401 with a Basic challenge unless
// the request carries user:password.
func BasicAuth(user, password string) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			u, p, ok := req.BasicAuth()
			if !ok || u != user || p != password {
				w.Header().Set("WWW-Authenticate", `Basic realm="testregistry"`)
				http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, req)
		})
	}
}

// RefuseDeletes is a Middleware that answers DELETE with 405 UNSUPPORTED, as
// the distribution registry does with storage.delete disabled.
func RefuseDeletes(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodDelete {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusMethodNotAllowed)
			io.WriteString(w, `{"errors":[{"code":"UNSUPPORTED","message":"The operation is unsupported."}]}`)
			return
		}
		next.ServeHTTP(w, req)
	})
}

// Repo returns an oras-go client for repository name on this registry, over
// plain HTTP, for seeding and inspecting test content.
func (r *Registry) Repo(t testing.TB, name string) *remote.Repository {
	t.Helper()
	repo, err := remote.NewRepository(r.Host + "/" + name)
	if err != nil {
		t.Fatalf("testregistry: %v", err)
	}
	repo.PlainHTTP = true
	return repo
}

// AuthRepo is Repo with a client that sends user:password to this
// registry, for seeding a registry started with BasicAuth.
func (r *Registry) AuthRepo(t testing.TB, name, user, password string) *remote.Repository {
	t.Helper()
	repo := r.Repo(t, name)
	repo.Client = &auth.Client{Credential: auth.StaticCredential(r.Host, auth.Credential{Username: user, Password: password})}
	return repo
}

// Status GETs path (from /v2/ on) on this registry and returns the answer's
// status code.
func (r *Registry) Status(t testing.TB, path string) int {
	t.Helper()
	resp, err := http.Get("http://" + r.Host + path)
	if err != nil {
		t.Fatalf("testregistry: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// EchoAuthorization is a Middleware for a hostile or careless registry: a
// request without credentials gets a Basic challenge, and one with them gets
// status (401, 500, ...) with an error body that quotes the request's
// Authorization header. No real registry we test against echoes it (they
// answer a fixed message), so this stand-in in front of the real handler is
// what checks that a secret in an error body never reaches output or logs.
func EchoAuthorization(status int) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			a := req.Header.Get("Authorization")
			if a == "" {
				w.Header().Set("WWW-Authenticate", `Basic realm="testregistry"`)
				http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
				return
			}
			body, _ := json.Marshal(map[string]any{"errors": []map[string]any{{
				"code": "UNAUTHORIZED", "message": "rejected Authorization: " + a,
				"detail": map[string]string{"authorization": a, "token": strings.TrimPrefix(a, "Basic ")},
			}}})
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write(body)
		})
	}
}
