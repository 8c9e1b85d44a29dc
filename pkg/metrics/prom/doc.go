// Package prom exports a metrics.Set through the Prometheus client library,
// for processes that already link it: containerd-nfd registers a Collector
// on prometheus' default registry, which containerd (through
// docker/go-metrics) serves on its [metrics] address at /v1/metrics. The
// bindir verifier does not link this package (it writes metrics.Textfile).
package prom
