package target

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"oras.land/oras-go/v2/registry"

	"github.com/nfd-compat/nfd-compat/internal/testregistry"
)

// hostMemory is a ReferrersMemory in a map.
type hostMemory struct {
	mu    sync.Mutex
	hosts map[string]bool
}

func (m *hostMemory) NoReferrersAPI(host string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.hosts[host]
}

func (m *hostMemory) ForgetNoReferrersAPI(host string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.hosts, host)
	return nil
}

func (m *hostMemory) RememberNoReferrersAPI(host string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.hosts == nil {
		m.hosts = map[string]bool{}
	}
	m.hosts[host] = true
	return nil
}

// Through hosts.toml, a mirror without the referrers API that answered is
// remembered by its own host, the origin it did not ask is not; the next
// client of the mirror lists from the sha256-<hex> tag without the probe.
func TestReferrersMemoryPerEndpoint(t *testing.T) {
	ctx := context.Background()
	var mrec recorder
	mirror := testregistry.Start(t, testregistry.GGCRTagSchema, mrec.mw)
	origin := testregistry.Start(t, testregistry.GGCRReferrers)
	subject := pushTo(t, mirror.Host, "app")
	pushTo(t, origin.Host, "app")
	root := t.TempDir()
	writeHosts(t, root, origin.Host, fmt.Sprintf(`server = "http://%s"
[host."http://%s"]
  capabilities = ["pull", "resolve", "referrers"]
`, origin.Host, mirror.Host))
	mem := &hostMemory{}
	list := func() string {
		t.Helper()
		img, err := Open(ctx, origin.Host+"/app:v1", Options{HostsDir: root, DockerConfig: noCreds(t)})
		if err != nil {
			t.Fatal(err)
		}
		img.UseReferrersMemory(mem)
		mrec.mu.Lock()
		mrec.reqs = nil
		mrec.mu.Unlock()
		if _, err := registry.Referrers(ctx, img.Store, subject, ""); err != nil {
			t.Fatal(err)
		}
		if err := img.LearnReferrers(mem); err != nil {
			t.Fatal(err)
		}
		return mrec.all()
	}
	if got := list(); !strings.Contains(got, "/referrers/") {
		t.Fatalf("first listing did not probe the referrers API:\n%s", got)
	}
	if !mem.NoReferrersAPI(mirror.Host) || mem.NoReferrersAPI(origin.Host) {
		t.Fatalf("remembered %v, want the mirror %s only", mem.hosts, mirror.Host)
	}
	got := list()
	if strings.Contains(got, "/referrers/") || !strings.Contains(got, "/manifests/sha256-") {
		t.Errorf("remembered mirror probed again, or not listed from the tag:\n%s", got)
	}
}
