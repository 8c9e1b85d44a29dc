package metrics

import (
	"strings"
	"testing"

	"github.com/nfd-compat/nfd-compat/internal/testenv"
)

// TestNoPrometheusClient: the bindir verifier (nfd-compat-verifierd, one
// process per pull when the client falls back to it) links this package,
// and must not pay for the Prometheus client's start.
func TestNoPrometheusClient(t *testing.T) {
	for _, dep := range testenv.Deps(t, ".", "../../cmd/nfd-compat-verifierd") {
		if strings.HasPrefix(dep, "github.com/prometheus/") {
			t.Errorf("pkg/metrics or nfd-compat-verifierd links %s (the text format is written by hand; the client is for pkg/metrics/prom)", dep)
		}
	}
}
