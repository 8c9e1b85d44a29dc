package webhook

import (
	"bytes"
	"net/http"
	"time"

	"github.com/nfd-compat/nfd-compat/pkg/metrics"
)

// RulesDeletedMetric is the /metrics counter of Stats.RulesDeleted.
const RulesDeletedMetric = "nfd_compat_webhook_rules_deleted_total"

// NewServer is the webhook's HTTPS server: POST /mutate (the webhook),
// GET /healthz (the process is up), /readyz (a serving certificate is
// loaded) and, with a metrics Set, /metrics (Prometheus text format: the
// Set's counters, RulesDeletedMetric, LeaderMetric and, while this
// replica runs RunDriftMonitor, the drift gauges).
// Start it with ListenAndServeTLS("", "").
func NewServer(addr string, w *Webhook, certs *CertReloader, set *metrics.Set) *http.Server {
	mux := http.NewServeMux()
	if set != nil {
		mux.HandleFunc("/metrics", func(rw http.ResponseWriter, _ *http.Request) {
			rw.Header().Set("Content-Type", "text/plain; version=0.0.4")
			if err := set.WriteText(rw); err != nil {
				return
			}
			var b bytes.Buffer
			metrics.Value(&b, RulesDeletedMetric, "counter", "NodeFeatureRules deleted by the webhook's garbage collector.", w.Stats().RulesDeleted)
			w.writeLeader(&b)
			if _, err := rw.Write(b.Bytes()); err != nil {
				return
			}
			_ = w.drift.writeText(rw)
		})
	}
	mux.Handle("/mutate", w)
	mux.HandleFunc("/healthz", func(rw http.ResponseWriter, _ *http.Request) { _, _ = rw.Write([]byte("ok\n")) })
	mux.HandleFunc("/readyz", func(rw http.ResponseWriter, _ *http.Request) {
		if _, err := certs.GetCertificate(nil); err != nil {
			http.Error(rw, err.Error(), http.StatusServiceUnavailable)
			return
		}
		_, _ = rw.Write([]byte("ok\n"))
	})
	return &http.Server{Addr: addr, Handler: mux, TLSConfig: certs.TLSConfig(),
		ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 90 * time.Second}
}
