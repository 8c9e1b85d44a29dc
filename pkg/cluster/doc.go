// Package cluster reads nodes' features from a Kubernetes cluster running
// NFD: the NodeFeature objects nfd-worker (and third parties) publish, listed
// in all namespaces with client-go and NFD's generated clientset, selected by
// NFD's nfd.node.kubernetes.io/node-name label, paginated, and merged per
// node as nfd-master merges them.
package cluster
