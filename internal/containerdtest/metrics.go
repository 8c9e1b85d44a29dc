package containerdtest

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
)

// freeLoopbackAddr is a TCP address on 127.0.0.1 that was free just now,
// for the daemon's [metrics] address.
func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := l.Addr().String()
	return addr, l.Close()
}

// Metrics scrapes the daemon's metrics endpoint (Options.Metrics): what
// containerd serves at http://<[metrics] address>/v1/metrics.
func (d *Daemon) Metrics(ctx context.Context) (string, error) {
	if d.MetricsAddress == "" {
		return "", fmt.Errorf("containerdtest: the daemon was started without Options.Metrics")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+d.MetricsAddress+"/v1/metrics", nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("containerdtest: scrape metrics: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("containerdtest: scrape metrics: %s: %s", resp.Status, b)
	}
	return string(b), nil
}

// MetricsTextfile returns the bindir verifier's node_exporter textfile
// (cache_dir/metrics/nfd_compat.prom), empty if there is none yet.
func (d *Daemon) MetricsTextfile() string {
	b, _ := os.ReadFile(filepath.Join(d.CacheDir, "metrics", "nfd_compat.prom"))
	return string(b)
}
