// Package metrics counts the verifier's decisions for Prometheus:
//
//	nfd_compat_decisions_total{decision,verdict,mode}     counter
//	nfd_compat_decision_duration_seconds{mode}            histogram
//	nfd_compat_registry_errors_total{kind}                counter
//
// decision is allow, warn (allowed, but enforce would refuse or the check
// failed) or deny; verdict is the policy verdict (compatible, incompatible,
// missing, error, skipped); mode is the policy mode. kind is one of
// RegistryErrorKinds, for decisions whose verdict is error because of a
// registry request.
//
// A Set holds the counts in memory and is the Observer the verifier
// (verifier.Options.Observer) reports every decision to. containerd-nfd
// exports a Set through prometheus' default registry (package prom), which
// containerd serves on its [metrics] address. The bindir executable, one
// process per pull, uses a Textfile instead: every decision is added to
// <cache_dir>/metrics/nfd_compat.prom under a file lock, written by atomic
// rename, for node_exporter's textfile collector. The text exposition format
// is written here by hand so that the verifier binary links no Prometheus
// client.
package metrics
