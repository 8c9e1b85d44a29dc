package containerdpaths

import "path/filepath"

// Distro names a containerd layout.
type Distro string

// The layouts known.
const (
	Stock Distro = "containerd"
	K3s   Distro = "k3s"
	RKE2  Distro = "rke2"
)

// Stock containerd's paths.
const (
	StockAddress = "/run/containerd/containerd.sock"
	StockConfig  = "/etc/containerd/config.toml"
)

// K3sAddress is where the containerd of k3s and of RKE2 listens.
const K3sAddress = "/run/k3s/containerd/containerd.sock"

// TemplateName is the containerd v2 (config version 3) template k3s and
// RKE2 render into config.toml at each start; config.toml.tmpl is the
// version 2 one, used only when this one is absent.
const TemplateName = "config-v3.toml.tmpl"

// Layout is where one kind of containerd keeps its socket and config.
type Layout struct {
	Distro Distro `json:"distro"`
	// Address is the grpc socket.
	Address string `json:"address"`
	// Config is the config.toml containerd reads. On k3s and RKE2 it is
	// generated at each start: edit Template instead.
	Config string `json:"config"`
	// Template is the file to edit on k3s and RKE2; empty for Stock.
	Template string `json:"template,omitempty"`
	// HostsDir is the hosts.toml directory (CRI's registry config_path).
	HostsDir string `json:"hosts_dir"`
	// Services are the systemd units that run this containerd, server
	// first; restarting one regenerates config.toml.
	Services []string `json:"services"`
}

// Layouts are the known layouts under root ("" or "/" for the node's own
// file system), in the order Detect prefers them: k3s and RKE2 before
// stock, since a k3s node's stock socket, when there is one, is usually
// Docker's containerd and not the kubelet's.
func Layouts(root string) []Layout {
	at := func(p string) string {
		if root == "" {
			return p
		}
		return filepath.Join(root, p)
	}
	rancher := func(d Distro, services ...string) Layout {
		etc := at("/var/lib/rancher/" + string(d) + "/agent/etc/containerd")
		return Layout{
			Distro: d, Address: at(K3sAddress),
			Config: filepath.Join(etc, "config.toml"), Template: filepath.Join(etc, TemplateName),
			HostsDir: filepath.Join(etc, "certs.d"), Services: services,
		}
	}
	return []Layout{
		rancher(K3s, "k3s", "k3s-agent"),
		rancher(RKE2, "rke2-server", "rke2-agent"),
		{Distro: Stock, Address: at(StockAddress), Config: at(StockConfig), HostsDir: at("/etc/containerd/certs.d"), Services: []string{"containerd"}},
	}
}
