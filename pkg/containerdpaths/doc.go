// Package containerdpaths says where this node's containerd is: its socket,
// the config.toml it reads, and, on k3s and RKE2, the template that config
// is generated from. It knows three layouts (Layouts): stock containerd
// (/run/containerd/containerd.sock, /etc/containerd/config.toml), k3s and
// RKE2 (both /run/k3s/containerd/containerd.sock; config.toml generated at
// each start under /var/lib/rancher/{k3s,rke2}/agent/etc/containerd from
// config-v3.toml.tmpl when that exists). Detect picks one by what exists on
// the node. Callers apply their own overrides (flags, CONTAINERD_ADDRESS,
// NFD_COMPAT_CONFIG) before asking; policy.ConfigFile, doctor,
// check-images and pull default from it.
//
// It imports only the standard library: nfd-compat-verifier calls it at
// every pull (a few stat calls).
package containerdpaths
