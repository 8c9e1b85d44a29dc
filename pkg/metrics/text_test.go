package metrics

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestTextRoundTrip(t *testing.T) {
	s := NewSet()
	for i := 0; i < 50; i++ {
		s.ObserveDecision(decision(i))
	}
	s.ObserveDecision(Decision{Mode: "warn", Verdict: "incompatible", Allow: true, Warn: true, Duration: 40 * time.Second})
	var b bytes.Buffer
	if err := s.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	back := NewSet()
	skipped, err := back.ReadText(&b)
	if err != nil || skipped != 0 {
		t.Fatalf("ReadText: %v, %d skipped", err, skipped)
	}
	var again bytes.Buffer
	if err := back.WriteText(&again); err != nil {
		t.Fatal(err)
	}
	var first bytes.Buffer
	_ = s.WriteText(&first)
	if first.String() != again.String() {
		t.Fatalf("round trip changed the file:\n%s\nvs\n%s", first.String(), again.String())
	}
	for _, want := range []string{
		`nfd_compat_decisions_total{decision="warn",mode="warn",verdict="incompatible"} 1`,
		`nfd_compat_decision_duration_seconds_bucket{mode="warn",le="30"} 0`,
		`nfd_compat_decision_duration_seconds_bucket{mode="warn",le="+Inf"} 1`,
		`nfd_compat_registry_errors_total{kind="status_429"} 0`,
		"# TYPE nfd_compat_decision_duration_seconds histogram",
	} {
		if !strings.Contains(first.String(), want) {
			t.Errorf("missing %q in\n%s", want, first.String())
		}
	}
}

func TestReadTextSkipsForeignLines(t *testing.T) {
	in := strings.Join([]string{
		`nfd_compat_decisions_total{decision="allow",mode="enforce",verdict="compatible"} 3`,
		`nfd_compat_decisions_total{decision="allow",mode="enforce",verdict="compatible\"x"} 3`,
		`nfd_compat_decisions_total{decision="allow",mode="enforce"} 3`,
		`nfd_compat_decisions_total{decision="allow",mode="enforce",verdict="compatible"} -1`,
		`nfd_compat_registry_errors_total{kind="martian"} 5`,
		`nfd_compat_registry_errors_total{kind="auth"} 2`,
		`nfd_compat_decision_duration_seconds_bucket{mode="enforce",le="0.3"} 2`,
		`go_goroutines 12`,
		"\x1b]0;title\x07",
		`nfd_compat_decisions_total{decision="deny",mode="enforce",verdict="incompatible"} 1`,
	}, "\n")
	s := NewSet()
	skipped, err := s.ReadText(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	snap := s.Snapshot()
	if skipped != 7 || total(snap) != 4 || snap.RegistryErrors[KindAuth] != 2 {
		t.Fatalf("skipped %d (want 7), decisions %v, errors %v", skipped, snap.Decisions, snap.RegistryErrors)
	}
}

func TestLabelValuesBounded(t *testing.T) {
	s := NewSet()
	s.ObserveDecision(Decision{Mode: "en\"force\n", Verdict: strings.Repeat("x", 100), Allow: true})
	var b bytes.Buffer
	_ = s.WriteText(&b)
	if !strings.Contains(b.String(), `nfd_compat_decisions_total{decision="allow",mode="unknown",verdict="unknown"} 1`) {
		t.Fatalf("odd label values not mapped to unknown:\n%s", b.String())
	}
}
