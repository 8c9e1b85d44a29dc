// Package election elects the one replica of nfd-compat-webhook that runs
// its background loops (NodeFeatureRule garbage collection, drift scans)
// with client-go's leaderelection and a coordination.k8s.io/v1 Lease. It
// is apart from pkg/webhook because client-go's typed clients come with it:
// nfd-compat links pkg/webhook (validate-node --pods) and must not link
// them (cmd/nfd-compat's deps test).
package election
