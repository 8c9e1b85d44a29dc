package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/nfd-compat/nfd-compat/pkg/cluster"
	"github.com/nfd-compat/nfd-compat/pkg/metrics"
)

// Metric names of the drift monitor (RunDriftMonitor), on /metrics.
const (
	PlacedPodsMetric       = "nfd_compat_webhook_placed_pods"
	DriftedPodsMetric      = "nfd_compat_webhook_drifted_pods"
	DriftedArtifactsMetric = "nfd_compat_webhook_drifted_artifacts"
	DriftScanTimeMetric    = "nfd_compat_webhook_drift_last_scan_timestamp_seconds"
	DriftScanErrorsMetric  = "nfd_compat_webhook_drift_scan_errors_total"
)

// Bounds of the drift monitor.
const (
	// DefaultDriftInterval is the interval between drift scans.
	DefaultDriftInterval = time.Minute
	// MinDriftInterval bounds the interval from below: a scan lists
	// every bound pod and every node's metadata.
	MinDriftInterval = 10 * time.Second
	// MaxDriftNamespaces bounds the namespace series of
	// DriftedPodsMetric: the namespaces with the most drifted pods get
	// theirs, the rest are summed under DriftOtherNamespace.
	MaxDriftNamespaces = 50
	// DriftOtherNamespace cannot be a namespace's name (not a DNS label).
	DriftOtherNamespace = "_other"
	// MaxDriftLogsPerScan bounds the log lines of newly drifted pods in
	// one scan; the rest are counted in one line.
	MaxDriftLogsPerScan = 10
	// driftScanTimeout bounds one scan.
	driftScanTimeout = 2 * time.Minute
)

// ErrDrift is wrapped by the errors of a drift scan.
var ErrDrift = errors.New("drift scan")

// driftState is the last drift scan's result, for /metrics.
type driftState struct {
	mu        sync.Mutex
	on        bool
	scanned   bool
	at        time.Time
	placed    int
	byNS      map[string]int
	artifacts int
	errors    int64
	drifted   map[string]bool // pod UIDs drifted at the last scan
}

// RunDriftMonitor scans for drift (ScanDrift) every interval until ctx
// ends, keeping the last scan's counts for /metrics and logging each
// newly drifted pod (at most MaxDriftLogsPerScan per scan). It returns
// an error only for an interval under MinDriftInterval.
func (w *Webhook) RunDriftMonitor(ctx context.Context, c *cluster.Client, interval time.Duration) error {
	if interval < MinDriftInterval {
		return fmt.Errorf("%w: interval %v: give at least %v", ErrDrift, interval, MinDriftInterval)
	}
	w.drift.mu.Lock()
	w.drift.on = true
	w.drift.mu.Unlock()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		w.CheckDrift(ctx, c, min(interval, driftScanTimeout))
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// CheckDrift runs one drift scan bounded by timeout and records it; a
// failed scan is logged and counted in DriftScanErrorsMetric, and the
// previous scan's counts stay.
func (w *Webhook) CheckDrift(ctx context.Context, c *cluster.Client, timeout time.Duration) (DriftScan, error) {
	sctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	scan, err := ScanDrift(sctx, c, w.cfg.Log)
	w.drift.mu.Lock()
	defer w.drift.mu.Unlock()
	w.drift.on = true
	if err != nil {
		if ctx.Err() == nil {
			w.drift.errors++
			w.cfg.Log.WithError(err).Warn("drift scan")
		}
		return scan, err
	}
	w.drift.record(scan, w.cfg.Now(), w.cfg.Log)
	return scan, nil
}

// record keeps a scan's counts and logs the pods that were not drifted
// at the previous scan.
func (s *driftState) record(scan DriftScan, now time.Time, log logrus.FieldLogger) {
	s.scanned, s.at, s.placed = true, now, scan.Placed
	s.byNS = map[string]int{}
	artifacts := map[string]bool{}
	drifted := make(map[string]bool, len(scan.Drifted))
	logged, more := 0, 0
	for _, p := range scan.Drifted {
		s.byNS[p.Namespace]++
		for _, img := range p.Images {
			artifacts[img.Artifact] = true
		}
		key := p.UID
		if key == "" {
			key = p.Namespace + "/" + p.Name
		}
		drifted[key] = true
		if s.drifted[key] {
			continue
		}
		if logged == MaxDriftLogsPerScan {
			more++
			continue
		}
		logged++
		for _, img := range p.Images {
			log.WithFields(logrus.Fields{"pod": p.Namespace + "/" + p.Name, "node": p.Node, "image": img.Image,
				"artifact": img.Artifact, "sets": strings.Join(img.Sets, ",")}).
				Warn("pod drifted: its node no longer carries the label of any compatibility set its placement required; it keeps running (IgnoredDuringExecution)")
		}
	}
	if more > 0 {
		log.Warnf("%d more pods drifted (not logged one by one): see %s or nfd-compat validate-node --cluster IMAGE --pods", more, DriftedPodsMetric)
	}
	s.drifted, s.artifacts = drifted, len(artifacts)
}

// reset forgets every scan: the monitor stopped (this replica lost the
// leader Lease), so it exports no drift metric until it scans again.
func (s *driftState) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.on, s.scanned, s.at, s.placed, s.byNS, s.artifacts, s.errors, s.drifted = false, false, time.Time{}, 0, nil, 0, 0, nil
}

// namespaceLabel is a namespace name (a DNS label), safe as a series'
// label value.
var namespaceLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)

// writeText writes the drift metrics in Prometheus' text format: nothing
// when the monitor is off, only the error counter until a scan succeeded.
func (s *driftState) writeText(w io.Writer) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.on {
		return nil
	}
	var b bytes.Buffer
	metrics.Value(&b, DriftScanErrorsMetric, "counter", "Failed drift scans of the webhook.", s.errors)
	if s.scanned {
		metrics.Value(&b, DriftScanTimeMetric, "gauge", "Unix time of the last successful drift scan.", s.at.Unix())
		metrics.Value(&b, PlacedPodsMetric, "gauge", "Pods bound to nodes that the webhook placed (enforce mode), at the last drift scan.", int64(s.placed))
		metrics.Header(&b, DriftedPodsMetric, "gauge", fmt.Sprintf("Placed pods whose node no longer carries the label of any compatibility set one of their images required, by namespace (at most %d namespaces, the rest under %q).",
			MaxDriftNamespaces, DriftOtherNamespace))
		for _, e := range namespaceSeries(s.byNS) {
			fmt.Fprintf(&b, "%s{namespace=%q} %d\n", DriftedPodsMetric, e.ns, e.n)
		}
		metrics.Value(&b, DriftedArtifactsMetric, "gauge", "Compatibility artifacts with at least one drifted pod.", int64(s.artifacts))
	}
	_, err := w.Write(b.Bytes())
	return err
}

type nsCount struct {
	ns string
	n  int
}

// namespaceSeries are the series of DriftedPodsMetric: the
// MaxDriftNamespaces namespaces with the most drifted pods (ties by
// name), the rest summed under DriftOtherNamespace, sorted by name.
func namespaceSeries(byNS map[string]int) []nsCount {
	all := make([]nsCount, 0, len(byNS))
	for ns, n := range byNS {
		if !namespaceLabel.MatchString(ns) {
			ns = DriftOtherNamespace // cannot come from the API server
		}
		all = append(all, nsCount{ns, n})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].n != all[j].n {
			return all[i].n > all[j].n
		}
		return all[i].ns < all[j].ns
	})
	if len(all) > MaxDriftNamespaces {
		other := nsCount{ns: DriftOtherNamespace}
		for _, e := range all[MaxDriftNamespaces:] {
			other.n += e.n
		}
		all = append(all[:MaxDriftNamespaces], other)
	}
	merged := map[string]int{}
	for _, e := range all {
		merged[e.ns] += e.n
	}
	out := make([]nsCount, 0, len(merged))
	for ns, n := range merged {
		out = append(out, nsCount{ns, n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ns < out[j].ns })
	return out
}
