// Package testcluster is a stand-in Kubernetes API server for tests: it
// serves the list endpoints of NFD's NodeFeature API (cluster-wide and
// namespaced) and of core Nodes over TLS with a bearer token, honouring
// labelSelector, limit and continue, so that client-go's real path
// (kubeconfig file → REST config → HTTP → decoding) is exercised. No real
// API server (kind, envtest's etcd + kube-apiserver) can run on the machines
// this project is built on.
package testcluster
