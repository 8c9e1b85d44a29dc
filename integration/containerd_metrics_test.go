package integration

import (
	"context"
	"strings"
	"testing"

	"github.com/nfd-compat/nfd-compat/internal/containerdtest"
	auditcmd "github.com/nfd-compat/nfd-compat/pkg/cmd/audit"
	"github.com/nfd-compat/nfd-compat/pkg/metrics"
)

// TestContainerdMetrics: after pulls through a real containerd, the
// decision metrics — scraped from containerd-nfd's own [metrics] endpoint,
// read from the bindir verifier's textfile under cache_dir — agree with the
// audit log record for record.
func TestContainerdMetrics(t *testing.T) {
	for _, ep := range entryPoints() {
		t.Run(ep.name, func(t *testing.T) {
			bins := needBins(t, ep.need)
			im := seedImages(t)
			opts := ep.opts(bins, basePolicy(im))
			opts.Metrics = true
			d := containerdtest.Start(t, bins, opts)
			d.TrustPlainHTTP(t, im.reg.Host)

			pullOK(t, d, im.ok)
			pullRefused(t, d, ep, im.gpu, "incompatible with this host")
			pullRefused(t, d, ep, im.gpu, "incompatible with this host")
			pullOK(t, d, im.none)
			pullOK(t, d, im.excluded)
			pullOK(t, d, im.slow) // on_error=allow after the policy timeout

			var text string
			if ep.name == "bindir" {
				text = d.MetricsTextfile()
			} else {
				var err error
				if text, err = d.Metrics(context.Background()); err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(text, "containerd_") && !strings.Contains(text, "go_goroutines") {
					t.Fatalf("%s does not look like containerd's metrics endpoint:\n%.2000s", d.MetricsAddress, text)
				}
			}
			set := metrics.NewSet()
			if _, err := set.ReadText(strings.NewReader(text)); err != nil {
				t.Fatal(err)
			}
			got := set.Snapshot()
			sum, err := auditcmd.Summarise(context.Background(), auditcmd.Options{CacheDir: d.CacheDir})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Records != 6 || sum.Skipped != 0 {
				t.Fatalf("audit log: %d records, %d skipped; want 6 and 0\n%s", sum.Records, sum.Skipped, d.AuditLog())
			}
			total := 0
			for _, c := range sum.Counts {
				n := got.Decisions[metrics.DecisionKey{Decision: c.Decision, Verdict: c.Verdict, Mode: "enforce"}]
				if int(n) != c.Count {
					t.Errorf("%s{decision=%q,verdict=%q,mode=\"enforce\"} = %d, the audit log has %d", metrics.DecisionsName, c.Decision, c.Verdict, n, c.Count)
				}
				total += c.Count
			}
			var metricTotal uint64
			for _, n := range got.Decisions {
				metricTotal += n
			}
			if int(metricTotal) != total || got.Durations["enforce"].Count != uint64(total) {
				t.Errorf("metrics count %d decisions (histogram %d), the audit log %d\n%s", metricTotal, got.Durations["enforce"].Count, total, text)
			}
			for _, want := range []metrics.DecisionKey{
				{Decision: "deny", Verdict: "incompatible", Mode: "enforce"},
				{Decision: "warn", Verdict: "error", Mode: "enforce"},
				{Decision: "allow", Verdict: "skipped", Mode: "enforce"},
			} {
				if got.Decisions[want] == 0 {
					t.Errorf("no %+v decision counted:\n%s", want, text)
				}
			}
			if got.RegistryErrors[metrics.KindTimeout] != 1 {
				t.Errorf("%s{kind=%q} = %d, want 1 (the hanging registry)", metrics.RegistryErrorsName, metrics.KindTimeout, got.RegistryErrors[metrics.KindTimeout])
			}
			if t.Failed() {
				t.Logf("metrics:\n%s\naudit log:\n%s", grepNFD(text), d.AuditLog())
			}
		})
	}
}

func grepNFD(text string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, "nfd_compat") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
