// Package testcontrolplane runs a real Kubernetes control plane for tests:
// etcd, kube-apiserver and, on request, kube-scheduler and nfd-master, built
// by `make control-plane` into $NFD_COMPAT_BIN_DIR. Each runs as its own
// process group on free loopback ports with generated PKI (a CA, the API
// server's serving certificate, a service-account key) and static bearer
// tokens: an administrator (system:masters) and a user without any RBAC
// binding. NFD's CRDs are installed; Nodes (with status.allocatable and an
// annotation, as nfd-master and kube-scheduler need) and NodeFeature objects
// are created through the API. Everything stops when the test ends, and the
// components' logs are dumped when it failed.
//
// Without a controller manager, namespaces never finish deleting (use fresh
// names), nothing removes node taints (TaintNodesByCondition is disabled) and
// no service account exists (the ServiceAccount admission plugin is
// disabled). No kubelet runs: bound pods stay Pending.
//
// When the binaries are missing the test skips, or fails under CI
// (internal/testenv).
package testcontrolplane
