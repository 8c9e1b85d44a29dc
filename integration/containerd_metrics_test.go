package integration

import (
	"context"
	"encoding/json"
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
	forEachEntryPoint(t, func(t *testing.T, ep entryPoint, bins containerdtest.Bins, im *ctrdImages) {
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
		if strings.HasPrefix(ep.name, "bindir") {
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

func grepNFD(text string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, "nfd_compat") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestContainerdAuditWarnWeek: after warn-mode pulls through a real
// containerd, `nfd-compat audit` names what enforce would have refused,
// and the metrics count those pulls as warn.
func TestContainerdAuditWarnWeek(t *testing.T) {
	ep := entryPoints()[0] // bindir: the stock containerd setup
	bins := needBins(t, ep.need, "nfd-compat")
	im := seedImages(t)
	p := basePolicy(im)
	p.Mode = "warn"
	d := containerdtest.Start(t, bins, ep.opts(bins, p))
	d.TrustPlainHTTP(t, im.reg.Host)
	pullOK(t, d, im.gpu)
	pullOK(t, d, im.ok)
	// A second pull of a stored image is decided again (ctr re-resolves).
	pullOK(t, d, im.gpu)

	ctx := context.Background()
	r := d.NFDCompat(ctx, "audit", "--cache-dir", d.CacheDir, "--since", "1h")
	if r.Err != nil {
		t.Fatalf("nfd-compat audit: %s", fmtResult(r))
	}
	for _, want := range []string{"Enforce mode would have refused", "app/gpu:v1", "incompatible with this host", "Recent warnings"} {
		if !strings.Contains(r.Stdout, want) {
			t.Fatalf("nfd-compat audit lacks %q:\n%s", want, r.Stdout)
		}
	}
	r = d.NFDCompat(ctx, "audit", "--cache-dir", d.CacheDir, "-o", "json")
	var s auditcmd.Summary
	if err := json.Unmarshal([]byte(r.Stdout), &s); err != nil || r.Err != nil {
		t.Fatalf("audit -o json: %v\n%s", err, fmtResult(r))
	}
	if len(s.WouldRefuse) != 1 || s.WouldRefuse[0].Count != 2 || !strings.HasPrefix(s.WouldRefuse[0].Image, im.gpu) || s.Records != 3 {
		t.Fatalf("audit -o json: %+v", s)
	}
	set := metrics.NewSet()
	if _, err := set.ReadText(strings.NewReader(d.MetricsTextfile())); err != nil {
		t.Fatal(err)
	}
	if n := set.Snapshot().Decisions[metrics.DecisionKey{Decision: "warn", Verdict: "incompatible", Mode: "warn"}]; n != 2 {
		t.Fatalf("warn/incompatible/warn = %d, want 2:\n%s", n, d.MetricsTextfile())
	}
}
