package doctor

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nfd-compat/nfd-compat/internal/testfiles"
	"github.com/nfd-compat/nfd-compat/pkg/containerdpaths"
)

// A real k3s cannot run here (no network to fetch it; github.com/k3s-io/k3s
// is not served by the module proxy, so it cannot be built): doctor is
// checked against k3s's file layout under a temp root, with a listening
// unix socket at k3s's socket path.
func k3sNode(t *testing.T, config, tmpl string) (root string, node containerdpaths.Found) {
	t.Helper()
	root = t.TempDir()
	etc := filepath.Join(root, "var/lib/rancher/k3s/agent/etc/containerd")
	if err := os.MkdirAll(etc, 0o755); err != nil {
		t.Fatal(err)
	}
	if config != "" {
		testfiles.Write(t, etc, "config.toml", strings.ReplaceAll(config, "{{DIR}}", root))
	}
	if tmpl != "" {
		testfiles.Write(t, etc, containerdpaths.TemplateName, tmpl)
	}
	testfiles.Socket(t, root, containerdpaths.K3sAddress)
	return root, containerdpaths.Detect(root)
}

func byCheck(results []Result) map[string]Result {
	m := map[string]Result{}
	for _, r := range results {
		m[r.Check] = r
	}
	return m
}

// With no flags doctor checks k3s's generated config and dials k3s's
// socket (its config.toml has no [grpc] address: k3s passes it by flag),
// and prints which containerd it picked.
func TestDoctorK3sNode(t *testing.T) {
	root, node := k3sNode(t, "version = 3\n"+goodBindir+goodPolicy, "{{ template \"base\" . }}\n"+goodBindir+goodPolicy)
	if node.Distro != containerdpaths.K3s {
		t.Fatalf("detected %+v", node)
	}
	res := byCheck(Check(context.Background(), Options{ConfigFile: node.Config, Node: &node, Timeout: time.Second, SkipFeatures: true}))
	n := res["node"]
	if n.Status != OK || !strings.HasPrefix(n.Message, "k3s: socket "+filepath.Join(root, containerdpaths.K3sAddress)) ||
		!strings.Contains(n.Message, "template "+node.Template) || strings.Contains(n.Message, "instead") {
		t.Fatalf("node: %+v", n)
	}
	if c := res["config"]; c.Status != OK || !strings.Contains(c.Message, node.Config) {
		t.Fatalf("config: %+v", c)
	}
	// The listener is not containerd: unreachable, at k3s's socket, and
	// the fix names k3s's units.
	d := res["containerd"]
	if d.Status != Fail || !strings.Contains(d.Message, filepath.Join(root, containerdpaths.K3sAddress)) || !strings.Contains(d.Fix, "systemctl start k3s or k3s-agent") {
		t.Fatalf("containerd: %+v", d)
	}
	if p := res["policy"]; p.Status != OK {
		t.Fatalf("policy from k3s's config: %+v", p)
	}
}

// Before k3s first started there is no config.toml: the fix is the
// template, not `containerd config default`.
func TestDoctorK3sNoConfigYet(t *testing.T) {
	_, node := k3sNode(t, "", "")
	res := byCheck(Check(context.Background(), Options{ConfigFile: node.Config, Node: &node, Timeout: time.Second, SkipFeatures: true}))
	c := res["config"]
	if c.Status != Fail || !strings.Contains(c.Fix, node.Template) || !strings.Contains(c.Fix, "install-verifier.sh") {
		t.Fatalf("config: %+v", c)
	}
}

// Flags override what was detected, and the node line says so; a second
// containerd on the node is a warning naming how to point each verifier
// at its own config.
func TestDoctorNodeOverriddenAndOthers(t *testing.T) {
	root, _ := k3sNode(t, "version = 3\n", "")
	stock := filepath.Join(root, containerdpaths.StockConfig)
	if err := os.MkdirAll(filepath.Dir(stock), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stock, []byte("version = 3\n"+goodBindir+goodPolicy), 0o644); err != nil {
		t.Fatal(err)
	}
	node := containerdpaths.Detect(root)
	res := byCheck(Check(context.Background(), Options{ConfigFile: stock, Address: filepath.Join(root, "none.sock"), Node: &node, Timeout: time.Second, SkipFeatures: true}))
	n := res["node"]
	if n.Status != Warn || !strings.Contains(n.Message, "checking config "+stock) || !strings.Contains(n.Message, "also found containerd") ||
		!strings.Contains(n.Fix, "CONTAINERD_NFD_COMPAT_CONFIG="+node.Config) {
		t.Fatalf("node: %+v", n)
	}
}

// k3s regenerates config.toml from the template: a stanza only in
// config.toml is lost at the next start, one only in the template (or in
// the version 2 template k3s falls back to) is not in effect yet.
func TestDoctorK3sTemplateDrift(t *testing.T) {
	_, node := k3sNode(t, "version = 3\n"+goodBindir+goodPolicy, "")
	n := byCheck(Check(context.Background(), Options{ConfigFile: node.Config, Node: &node, Timeout: time.Second, SkipFeatures: true}))["node"]
	if n.Status != Warn || !strings.Contains(n.Message, "overwrites it at its next start") || !strings.Contains(n.Fix, "install-verifier.sh") {
		t.Fatalf("stanza only in config.toml: %+v", n)
	}

	root, node := k3sNode(t, "version = 3\n", "")
	v2 := filepath.Join(root, "var/lib/rancher/k3s/agent/etc/containerd/config.toml.tmpl")
	if err := os.WriteFile(v2, []byte("{{ template \"base\" . }}\n"+goodPolicy), 0o644); err != nil {
		t.Fatal(err)
	}
	n = byCheck(Check(context.Background(), Options{ConfigFile: node.Config, Node: &node, Timeout: time.Second, SkipFeatures: true}))["node"]
	if n.Status != Warn || !strings.Contains(n.Message, v2+" has the policy stanza") || !strings.Contains(n.Fix, "systemctl restart k3s") {
		t.Fatalf("stanza only in the template: %+v", n)
	}
}

// k3s's containerd reports versions like v2.1.0-k3s1: the release, not a
// pre-release older than it.
func TestDoctorK3sContainerdVersion(t *testing.T) {
	for version, want := range map[string]Status{"v2.1.0-k3s1": OK, "v2.2.3-k3s1": OK, "v2.0.4-k3s2": Fail, "v2.1.0-rc.1": Fail} {
		r := checkDaemon(&env{daemon: &daemon{address: "/run/k3s/containerd/containerd.sock", version: version}})
		if r.Status != want {
			t.Errorf("%s: %+v, want %s", version, r, want)
		}
	}
}
