//go:build linux

package validatenode_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"
	"sigs.k8s.io/yaml"

	"github.com/nfd-compat/nfd-compat/pkg/cmd/validatenode"
	"github.com/nfd-compat/nfd-compat/pkg/compat"
	"github.com/nfd-compat/nfd-compat/pkg/features"
	"github.com/nfd-compat/nfd-compat/pkg/output"
)

// The fleet targets of issue 10 (5,000 real exports in at most 1.5 s and
// 300 MiB), on the 2-core CI machine; a heavily loaded shared machine can
// push the time over (compare cpu-s/op then).
const (
	fleetNodes     = 5000
	fleetMaxTime   = 1500 * time.Millisecond
	fleetMaxPeakMB = 300
)

// fleetSpec touches the domains fleets are checked for (GPU, kernel, CPU) in
// several sets, so that evaluation is not trivially short.
const fleetSpec = `version: v1alpha1
compatibilities:
- tag: gpu
  weight: 100
  rules:
  - name: nvidia gpu
    matchFeatures:
    - feature: pci.device
      matchExpressions:
        vendor: {op: In, value: ["10de"]}
        class: {op: In, value: ["0302"]}
  - name: driver
    matchFeatures:
    - feature: kernel.loadedmodule
      matchExpressions:
        nvidia: {op: Exists}
- tag: cpu
  weight: 10
  rules:
  - name: kernel
    matchFeatures:
    - feature: kernel.version
      matchExpressions:
        major: {op: Gt, value: ["4"]}
        full: {op: Exists}
  - name: cpu
    matchAny:
    - matchFeatures:
      - feature: cpu.cpuid
        matchExpressions:
          AVX2: {op: Exists}
    - matchFeatures:
      - feature: cpu.cpuid
        matchExpressions:
          ASIMD: {op: Exists}
  - name: os
    matchFeatures:
    - feature: system.osrelease
      matchExpressions:
        ID: {op: Exists}
`

// fleetMixes are the fleets benchmarked: "mixed" cycles through every
// exported fixture (one real 84 KB export, three small hand-made ones);
// "full-exports" is a fleet of real exports only (kernel.config, PCI, USB,
// storage: the worst case for load time and memory). Every fifth file is a
// NodeFeature in YAML, as kubectl prints it.
var fleetMixes = []struct {
	name  string
	bases []string
}{
	{"mixed", []string{"this-host.json", "nvidia-gpu.json", "arm64.json", "old-kernel.json"}},
	{"full-exports", []string{"this-host.json"}},
}

// BenchmarkFleet runs validate-node's fleet path end to end — load every
// file of a directory, evaluate, render JSON to io.Discard — on 5,000
// generated nodes. It reports nodes/s and, from one run in a fresh
// subprocess, the peak resident set (VmHWM); it fails over the targets.
func BenchmarkFleet(b *testing.B) {
	for _, mix := range fleetMixes {
		b.Run(mix.name, func(b *testing.B) {
			dir := b.TempDir()
			writeFleet(b, dir, fleetNodes, mix.bases)
			opts := fleetOptions(dir)
			cpu0 := cpuTime(b)
			for b.Loop() {
				if err := validatenode.Run(context.Background(), opts); err != nil && !errors.Is(err, compat.ErrIncompatible) {
					b.Fatal(err)
				}
			}
			perRun := b.Elapsed() / time.Duration(b.N)
			b.ReportMetric(float64(fleetNodes)/perRun.Seconds(), "nodes/s")
			b.ReportMetric((cpuTime(b)-cpu0).Seconds()/float64(b.N), "cpu-s/op")
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.HeapSys)/(1<<20), "heapsys-MiB")

			peakMB, wall := fleetSubprocess(b, dir)
			b.ReportMetric(peakMB, "peak-RSS-MiB")
			b.ReportMetric(wall.Seconds(), "subprocess-s")
			// Also logged: a benchmark that misses its target prints no result line.
			b.Logf("%d nodes: %v per run (%.0f nodes/s), peak RSS %.0f MiB in a fresh process (%v)",
				fleetNodes, perRun.Round(time.Millisecond), float64(fleetNodes)/perRun.Seconds(), peakMB, wall.Round(time.Millisecond))
			if perRun > fleetMaxTime {
				b.Errorf("%d nodes took %v per run, target %v", fleetNodes, perRun, fleetMaxTime)
			}
			if peakMB > fleetMaxPeakMB {
				b.Errorf("peak RSS %.0f MiB, target %d MiB", peakMB, fleetMaxPeakMB)
			}
		})
	}
}

// cpuTime is the process's user+system CPU time so far: on a shared machine
// it varies less than wall time.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func fleetOptions(dir string) validatenode.Options {
	return validatenode.Options{
		Spec: []byte(fleetSpec), SpecName: "fleet-spec.yaml",
		FeatureFiles: []string{dir}, Output: output.JSON,
		Stdout: io.Discard,
	}
}

// fleetHelperEnv names the directory TestFleetHelperProcess validates.
const fleetHelperEnv = "NFD_COMPAT_FLEET_HELPER_DIR"

// fleetSubprocess runs TestFleetHelperProcess on dir in a fresh process (so
// the peak is one run's, not the benchmark loop's) and returns its VmHWM in
// MiB and its wall time.
func fleetSubprocess(b *testing.B, dir string) (peakMB float64, wall time.Duration) {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestFleetHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), fleetHelperEnv+"="+dir)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	wall = time.Since(start)
	if err != nil {
		b.Fatalf("fleet subprocess: %v\n%s", err, out)
	}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		if kb, ok := strings.CutPrefix(sc.Text(), "VmHWM-kB "); ok {
			n, err := strconv.ParseFloat(kb, 64)
			if err != nil {
				b.Fatalf("fleet subprocess: %q: %v", sc.Text(), err)
			}
			return n / 1024, wall
		}
	}
	b.Fatalf("fleet subprocess printed no VmHWM (is /proc mounted?):\n%s", out)
	return 0, 0
}

// TestFleetHelperProcess is BenchmarkFleet's subprocess, skipped otherwise:
// one fleet run, then the process's peak resident set from /proc.
func TestFleetHelperProcess(t *testing.T) {
	dir := os.Getenv(fleetHelperEnv)
	if dir == "" {
		t.Skip("only run by BenchmarkFleet")
	}
	if err := validatenode.Run(context.Background(), fleetOptions(dir)); err != nil && !errors.Is(err, compat.ErrIncompatible) {
		t.Fatal(err)
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			fmt.Println("VmHWM-kB", strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return
		}
	}
	t.Fatal("no VmHWM in /proc/self/status")
}

// writeFleet writes n feature files to dir, cycling through the base
// fixtures with per-node variations (kernel minor version, OS version, the
// nvidia module loaded or not), every fifth as a NodeFeature in YAML.
func writeFleet(tb testing.TB, dir string, n int, bases []string) {
	tb.Helper()
	base := make([]*features.Features, len(bases))
	for i, name := range bases {
		nodes, err := features.Load(filepath.Join("..", "..", "features", "testdata", name))
		if err != nil {
			tb.Fatal(err)
		}
		base[i] = nodes[0].Features
	}
	for i := range n {
		f := base[i%len(base)].DeepCopy()
		varyFeatures(f, i)
		name := fmt.Sprintf("node-%05d", i)
		var data []byte
		var err error
		if i%5 == 4 {
			name += ".yaml"
			data, err = yaml.Marshal(nodeFeature(name, f))
		} else {
			name += ".json"
			var sb strings.Builder
			err = features.Write(&sb, f)
			data = []byte(sb.String())
		}
		if err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

func varyFeatures(f *features.Features, i int) {
	setAttr := func(attr, key, value string) {
		s := f.Attributes[attr]
		if s.Elements == nil {
			s.Elements = map[string]string{}
		}
		s.Elements[key] = value
		f.Attributes[attr] = s
	}
	setAttr("kernel.version", "minor", strconv.Itoa(i%20))
	setAttr("system.osrelease", "VERSION_ID", fmt.Sprintf("%d.%d", 20+i%6, i%4))
	mods := f.Flags["kernel.loadedmodule"]
	if mods.Elements == nil {
		mods.Elements = map[string]nfdv1alpha1.Nil{}
	}
	if i%3 == 0 {
		delete(mods.Elements, "nvidia")
	} else {
		mods.Elements["nvidia"] = nfdv1alpha1.Nil{}
	}
	f.Flags["kernel.loadedmodule"] = mods
}

func nodeFeature(file string, f *features.Features) *nfdv1alpha1.NodeFeature {
	node := strings.TrimSuffix(file, filepath.Ext(file))
	return &nfdv1alpha1.NodeFeature{
		TypeMeta: metav1.TypeMeta{APIVersion: nfdv1alpha1.SchemeGroupVersion.String(), Kind: "NodeFeature"},
		ObjectMeta: metav1.ObjectMeta{
			Name: node, Namespace: "node-feature-discovery",
			Labels: map[string]string{nfdv1alpha1.NodeFeatureObjNodeNameLabel: node},
		},
		Spec: nfdv1alpha1.NodeFeatureSpec{Features: *f},
	}
}
