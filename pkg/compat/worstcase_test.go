package compat

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nfd-compat/nfd-compat/internal/testspec"
	"github.com/nfd-compat/nfd-compat/pkg/spec"
)

// The budget of one decision on a worst-case spec: parse, validate and
// evaluate against testspec.Host. Measured: at most about 45 ms and 8 MiB
// (README.md, "Limits"); the budget leaves room for a loaded machine.
const (
	budgetCPU   = 100 * time.Millisecond
	budgetAlloc = 32 << 20
)

func processCPU(t testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// worstCase is the largest spec of kind k that is valid and within MaxCost
// on host.
func worstCase(t testing.TB, k testspec.Kind) (int, []byte) {
	host := testspec.Host()
	return testspec.Largest(k, func(b []byte) bool {
		s, _, err := spec.Parse(b)
		return err == nil && CheckCost(s, host, Options{}) == nil
	})
}

func decide(ctx context.Context, data []byte) (*Report, error) {
	s, _, err := spec.ParseContext(ctx, data)
	if err != nil {
		return nil, err
	}
	return EvaluateContext(ctx, s, testspec.Host(), Options{})
}

func TestWorstCaseWithinBudget(t *testing.T) {
	for _, k := range testspec.Kinds {
		t.Run(string(k), func(t *testing.T) {
			n, data := worstCase(t, k)
			if n < 1 {
				t.Fatalf("no %s spec is within the limits", k)
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			cpu := processCPU(t)
			r, err := decide(context.Background(), data)
			cpu = processCPU(t) - cpu
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Fatal(err)
			}
			if r.Compatible {
				t.Fatal("worst case is compatible: its evaluation stopped early")
			}
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("%s: %d units, %d bytes: %v CPU, %.1f MiB allocated", k, n, len(data), cpu, float64(alloc)/(1<<20))
			if cpu > budgetCPU*raceFactor || alloc > budgetAlloc {
				t.Errorf("decision cost %v CPU and %d MiB, over the budget of %v and %d MiB", cpu, alloc>>20, budgetCPU, budgetAlloc>>20)
			}
			// One more unit is over some limit: the spec is at it.
			s, _, err := spec.Parse(testspec.Generate(k, n+1))
			if err == nil && CheckCost(s, testspec.Host(), Options{}) == nil {
				t.Errorf("%d units of %s are still within every limit", n+1, k)
			}
		})
	}
}

// A spec over the cost on this host is refused before anything is matched.
func TestTooCostlyRefusedAtOnce(t *testing.T) {
	n, _ := worstCase(t, testspec.Regexps)
	s, _, err := spec.Parse(testspec.Generate(testspec.Regexps, n+1))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = Evaluate(s, testspec.Host(), Options{})
	if !errors.Is(err, ErrTooCostly) {
		t.Fatalf("err = %v, want ErrTooCostly", err)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("refusing took %v", d)
	}
	t.Log(err)
}

// Evaluation stops within milliseconds of its context ending, naming the stage.
func TestEvaluateStopsWithContext(t *testing.T) {
	_, data := worstCase(t, testspec.Regexps)
	s, _, err := spec.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	start := time.Now()
	r, err := EvaluateContext(ctx, s, testspec.Host(), Options{})
	took := time.Since(start)
	if r != nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("report %v, err %v; want no report and DeadlineExceeded", r, err)
	}
	if want := "evaluating the spec stopped"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("err %q does not name the stage (%q)", err, want)
	}
	if took > 30*time.Millisecond {
		t.Errorf("stopped %v after a 5ms deadline", took)
	}
}

func BenchmarkWorstCase(b *testing.B) {
	for _, k := range testspec.Kinds {
		b.Run(string(k), func(b *testing.B) {
			_, data := worstCase(b, k)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := decide(context.Background(), data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
