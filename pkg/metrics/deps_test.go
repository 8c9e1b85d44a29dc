package metrics

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/nfd-compat/nfd-compat/internal/testenv"
)

// TestNoPrometheusClient: the bindir verifier links this package, and a
// process per pull must not pay for the Prometheus client's start.
func TestNoPrometheusClient(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		testenv.Missing(t, "no go tool in PATH")
	}
	out, err := exec.Command(goBin, "list", "-deps", ".", "../../cmd/nfd-compat-verifier").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/prometheus/") {
			t.Errorf("pkg/metrics or nfd-compat-verifier links %s (the text format is written by hand; the client is for pkg/metrics/prom)", dep)
		}
	}
}
