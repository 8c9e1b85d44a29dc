package target

import (
	"context"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	ggcr "github.com/google/go-containerregistry/pkg/registry"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sirupsen/logrus"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry/remote"

	"github.com/nfd-compat/nfd-compat/internal/testfiles"
	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/internal/testlog"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
)

// recorder remembers request paths and queries, and the User-Agent of
// the requests that carried basic credentials.
type recorder struct {
	mu     sync.Mutex
	reqs   []string
	agents []string
}

func (r *recorder) mw(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.reqs = append(r.reqs, req.URL.RequestURI())
		if _, _, ok := req.BasicAuth(); ok {
			r.agents = append(r.agents, req.UserAgent())
		}
		r.mu.Unlock()
		next.ServeHTTP(w, req)
	})
}

// authAgents returns the User-Agents seen with credentials and forgets them.
func (r *recorder) authAgents() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	a := r.agents
	r.agents = nil
	return a
}

func (r *recorder) all() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.reqs, "\n")
}

// stripPrefix serves a registry under /prefix too (a mirror with a path).
func stripPrefix(prefix string) testregistry.Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			req.URL.Path = strings.TrimPrefix(req.URL.Path, prefix)
			next.ServeHTTP(w, req)
		})
	}
}

func writeHosts(t *testing.T, root, host, body string) {
	t.Helper()
	testfiles.Write(t, root, filepath.Join(hostDirName(host), "hosts.toml"), body)
}

// hostDirName is containerd's host directory name: host:port -> host_port_.
func hostDirName(host string) string {
	if i := strings.LastIndex(host, ":"); i > 0 {
		return host[:i] + "_" + host[i+1:] + "_"
	}
	return host
}

func pushTo(t *testing.T, host, repo string) ocispec.Descriptor {
	t.Helper()
	r, err := remote.NewRepository(host + "/" + repo)
	if err != nil {
		t.Fatal(err)
	}
	r.PlainHTTP = true
	d, err := testimage.Push(context.Background(), r, "v1")
	if err != nil {
		t.Fatal(err)
	}
	return ocispec.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size}
}

func noCreds(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(p, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestHostsMirrorWithPathThenOrigin(t *testing.T) {
	ctx := context.Background()
	var mrec, orec recorder
	mirror := testregistry.Start(t, testregistry.GGCRReferrers, mrec.mw, stripPrefix("/cache"))
	origin := testregistry.Start(t, testregistry.GGCRReferrers, orec.mw)
	onMirror := pushTo(t, mirror.Host, "app")
	onlyOrigin := pushTo(t, origin.Host, "other")
	// The origin has the mirror's image too.
	if d := pushTo(t, origin.Host, "app"); d.Digest != onMirror.Digest {
		t.Fatal("test images differ")
	}
	root := t.TempDir()
	writeHosts(t, root, origin.Host, fmt.Sprintf(`server = "http://%s"
[host."http://%s/cache"]
  capabilities = ["pull", "resolve", "referrers"]
`, origin.Host, mirror.Host))

	img, err := Open(ctx, origin.Host+"/app:v1", Options{HostsDir: root, DockerConfig: noCreds(t)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(img.Location, "via "+mirror.Host+", "+origin.Host) {
		t.Errorf("location %q", img.Location)
	}
	mrec.reqs, orec.reqs = nil, nil
	if _, err := content.FetchAll(ctx, img.Store, onMirror); err != nil {
		t.Fatal(err)
	}
	if got := mrec.all(); !strings.Contains(got, "/cache/v2/app/manifests/"+onMirror.Digest.String()+"?ns="+url.QueryEscape(origin.Host)) {
		t.Errorf("mirror requests:\n%s", got)
	}
	if orec.all() != "" {
		t.Errorf("origin asked although the mirror had it:\n%s", orec.all())
	}
	// Not on the mirror: the origin answers.
	img, err = Open(ctx, origin.Host+"/other:v1", Options{HostsDir: root, DockerConfig: noCreds(t)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := content.FetchAll(ctx, img.Store, onlyOrigin); err != nil {
		t.Fatalf("fallback to origin: %v", err)
	}
	if d, err := img.Resolve(ctx, nil); err != nil || d.Digest != onlyOrigin.Digest {
		t.Errorf("resolve via hosts: %v %v", d, err)
	}
}

func TestHostsPlainHTTPServerAndDefaults(t *testing.T) {
	ctx := context.Background()
	reg := testregistry.Start(t, testregistry.GGCRReferrers)
	d := pushTo(t, reg.Host, "app")
	// No hosts.toml: containerd's defaults (127.0.0.1:PORT is tried over HTTPS, then HTTP).
	img, err := Open(ctx, reg.Host+"/app:v1", Options{HostsDir: t.TempDir(), DockerConfig: noCreds(t)})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := img.Resolve(ctx, nil); err != nil || got.Digest != d.Digest {
		t.Fatalf("defaults: %v %v", got, err)
	}
	// A "registry.example" name served by an http:// server from hosts.toml.
	root := t.TempDir()
	writeHosts(t, root, "registry.example", fmt.Sprintf("server = \"http://%s\"\n", reg.Host))
	img, err = Open(ctx, "registry.example/app:v1", Options{HostsDir: root, DockerConfig: noCreds(t)})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := img.Store.(*remote.Repository); !ok {
		t.Errorf("one endpoint should be a plain repository, is %T", img.Store)
	}
	if got, err := img.Resolve(ctx, nil); err != nil || got.Digest != d.Digest {
		t.Fatalf("http server: %v %v", got, err)
	}
}

func TestHostsCAAndSkipVerify(t *testing.T) {
	ctx := context.Background()
	srv := httptest.NewTLSServer(ggcr.New(ggcr.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "https://")
	// Push through the test server's own client.
	r, _ := remote.NewRepository(host + "/app")
	r.Client = srv.Client()
	if _, err := testimage.Push(ctx, r, "v1"); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	// 127.0.0.1 would get containerd's skip-verify default; name the host by IP via server.
	for _, tc := range []struct {
		name, body string
		ok         bool
	}{
		{"no ca", fmt.Sprintf("server = \"https://%s\"\n[host.\"https://%s\"]\n  skip_verify = false\n", host, host), false},
		{"ca", fmt.Sprintf("server = \"https://%s\"\n[host.\"https://%s\"]\n  ca = %q\n", host, host, ca), true},
		{"skip_verify", fmt.Sprintf("server = \"https://%s\"\n[host.\"https://%s\"]\n  skip_verify = true\n", host, host), true},
	} {
		dir := filepath.Join(root, tc.name)
		writeHosts(t, dir, "registry.example", tc.body)
		img, err := Open(ctx, "registry.example/app:v1", Options{HostsDir: dir, DockerConfig: noCreds(t)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = img.Resolve(ctx, nil)
		if (err == nil) != tc.ok {
			t.Errorf("%s: resolve err = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

// containerd's hosts.toml messages go to Options.Log, never to a logger
// the caller's context happens to carry (the old handshake used one).
func TestContainerdLogGoesToOptionsLog(t *testing.T) {
	reg := testregistry.Start(t, testregistry.GGCRReferrers)
	ctx, ctxBuf := testlog.Context(context.Background())

	// A localhost registry without hosts.toml: containerd says, at Info,
	// that it will try HTTPS first.
	optLog, optBuf := testlog.Buffer(logrus.DebugLevel)
	if _, err := Open(ctx, reg.Host+"/app:v1", Options{HostsDir: t.TempDir(), DockerConfig: noCreds(t), Log: optLog}); err != nil {
		t.Fatal(err)
	}
	if got := optBuf.String(); !strings.Contains(got, "will try HTTPS first") || !strings.Contains(got, "level=debug") {
		t.Errorf("Options.Log should get containerd's Info at Debug:\n%s", got)
	}
	// At Info, the caller's log keeps none of it.
	quiet, quietBuf := testlog.Buffer(logrus.InfoLevel)
	if _, err := Open(ctx, reg.Host+"/app:v1", Options{HostsDir: t.TempDir(), DockerConfig: noCreds(t), Log: quiet}); err != nil {
		t.Fatal(err)
	}
	if quietBuf.Len() != 0 {
		t.Errorf("informational containerd messages reached an Info log:\n%s", quietBuf)
	}
	// No Log: the context's logger is still not used.
	if _, err := Open(ctx, reg.Host+"/app:v1", Options{HostsDir: t.TempDir(), DockerConfig: noCreds(t)}); err != nil {
		t.Fatal(err)
	}
	if ctxBuf.Len() != 0 {
		t.Errorf("the context's logger was used:\n%s", ctxBuf)
	}

	// A hosts.toml containerd cannot decode: its error is a warning in Log.
	root := t.TempDir()
	writeHosts(t, root, reg.Host, "server = [\n")
	optBuf.Reset()
	if _, err := Open(ctx, reg.Host+"/app:v1", Options{HostsDir: root, DockerConfig: noCreds(t), Log: optLog}); err != nil {
		t.Fatal(err)
	}
	if got := optBuf.String(); !strings.Contains(got, "failed to decode") || !strings.Contains(got, "level=warning") {
		t.Errorf("Options.Log should get containerd's decode error as a warning:\n%s", got)
	}
}
