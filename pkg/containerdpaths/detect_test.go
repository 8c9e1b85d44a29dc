package containerdpaths

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nfd-compat/nfd-compat/internal/testfiles"
)

// A real k3s cannot run here: it is fetched from GitHub releases (no
// network), and github.com/k3s-io/k3s is not served by the module proxy
// (403 "not available"; its go.mod also replaces Kubernetes with forks), so
// it cannot be built either. These tests build its file layout under a temp
// root instead, with a real listening unix socket at its socket path.

func k3sTree(t *testing.T, root, distro string) string {
	etc := filepath.Join(root, "var/lib/rancher", distro, "agent/etc/containerd")
	testfiles.Write(t, etc, "config.toml", "version = 3\n")
	testfiles.Write(t, etc, TemplateName, "{{ template \"base\" . }}\n")
	return etc
}

func TestDetectNothingIsStockDefaults(t *testing.T) {
	root := t.TempDir()
	f := Detect(root)
	if f.Distro != Stock || f.Address != filepath.Join(root, StockAddress) || f.Config != filepath.Join(root, StockConfig) || len(f.Others) != 0 {
		t.Fatalf("empty root: %+v", f)
	}
	if !strings.Contains(f.Why, "defaults") {
		t.Fatalf("why: %q", f.Why)
	}
}

func TestDetectK3s(t *testing.T) {
	root := t.TempDir()
	etc := k3sTree(t, root, "k3s")
	// Before k3s has started: the tree alone picks it.
	f := Detect(root)
	if f.Distro != K3s || f.Config != filepath.Join(etc, "config.toml") || f.Template != filepath.Join(etc, TemplateName) ||
		f.HostsDir != filepath.Join(etc, "certs.d") || f.Address != filepath.Join(root, K3sAddress) {
		t.Fatalf("k3s tree: %+v", f)
	}
	if !strings.Contains(f.Why, "no socket yet") {
		t.Fatalf("why: %q", f.Why)
	}
	testfiles.Socket(t, root, K3sAddress)
	f = Detect(root)
	if f.Distro != K3s || !strings.Contains(f.Why, "socket "+filepath.Join(root, K3sAddress)+" exists") {
		t.Fatalf("k3s with its socket: %+v", f)
	}
	if got := strings.Join(f.Services, " "); got != "k3s k3s-agent" {
		t.Fatalf("services: %s", got)
	}
}

func TestDetectRKE2(t *testing.T) {
	root := t.TempDir()
	etc := k3sTree(t, root, "rke2")
	testfiles.Socket(t, root, K3sAddress)
	f := Detect(root)
	if f.Distro != RKE2 || f.Config != filepath.Join(etc, "config.toml") || f.Services[0] != "rke2-server" {
		t.Fatalf("rke2 tree: %+v", f)
	}
}

// A stock containerd whose socket is live wins over a k3s tree whose
// daemon is not running, and the k3s tree is reported as another.
func TestDetectLiveSocketWins(t *testing.T) {
	root := t.TempDir()
	k3sTree(t, root, "k3s")
	testfiles.Write(t, root, StockConfig, "version = 3\n")
	if f := Detect(root); f.Distro != K3s || len(f.Others) != 1 || f.Others[0].Distro != Stock {
		t.Fatalf("no socket live: k3s first, stock other: %+v", f)
	}
	testfiles.Socket(t, root, StockAddress)
	f := Detect(root)
	if f.Distro != Stock || len(f.Others) != 1 || f.Others[0].Distro != K3s {
		t.Fatalf("stock socket live: %+v", f)
	}
	if s := f.String(); !strings.Contains(s, "also found k3s") {
		t.Fatalf("String should name the other layout: %s", s)
	}
	// Both live: k3s, the kubelet's containerd on such a node.
	testfiles.Socket(t, root, K3sAddress)
	if f := Detect(root); f.Distro != K3s {
		t.Fatalf("both live: %+v", f)
	}
}

// A regular file at the socket path is not a socket.
func TestDetectFileIsNotASocket(t *testing.T) {
	root := t.TempDir()
	testfiles.Write(t, root, StockConfig, "version = 3\n")
	k3sTree(t, root, "k3s")
	testfiles.Write(t, root, StockAddress, "")
	if f := Detect(root); f.Distro != K3s || !strings.Contains(f.Why, "no socket yet") {
		t.Fatalf("a plain file at the stock socket path: %+v", f)
	}
}

// BenchmarkDetect is what nfd-compat-verifier pays per pull for finding
// its config (a few stat calls).
func BenchmarkDetect(b *testing.B) {
	root := b.TempDir()
	etc := filepath.Join(root, "var/lib/rancher/k3s/agent/etc/containerd")
	if err := os.MkdirAll(etc, 0o755); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		Detect(root)
	}
}
