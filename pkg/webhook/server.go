package webhook

import (
	"net/http"
	"time"

	"github.com/sirupsen/logrus"
)

// NewServer is the webhook's HTTPS server: POST /mutate (the webhook),
// GET /healthz (the process is up) and /readyz (a serving certificate is
// loaded). Start it with ListenAndServeTLS("", "").
func NewServer(addr string, w *Webhook, certs *CertReloader, log logrus.FieldLogger) *http.Server {
	mux := http.NewServeMux()
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
		ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 90 * time.Second,
		ErrorLog: nil}
}
