package features

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
	"sigs.k8s.io/node-feature-discovery/source"
	"sigs.k8s.io/node-feature-discovery/source/kernel"
)

// domains returns the source names ("cpu" of "cpu.cpuid") present in f.
func domains(f *Features) []string {
	var out []string
	add := func(k string) {
		d, _, _ := strings.Cut(k, ".")
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	for k := range f.Flags {
		add(k)
	}
	for k := range f.Attributes {
		add(k)
	}
	for k := range f.Instances {
		add(k)
	}
	slices.Sort(out)
	return out
}

func TestDefaultSources(t *testing.T) {
	want := []string{"cpu", "kernel", "local", "memory", "network", "pci", "storage", "system", "usb"}
	if got := DefaultSources(); !slices.Equal(got, want) {
		t.Errorf("DefaultSources() = %v, want %v", got, want)
	}
}

func TestSourcesForDomains(t *testing.T) {
	got := SourcesForDomains([]string{"pci", "rule", "cpu", "nosuch", "cpu", "kernel"})
	if want := []string{"cpu", "kernel", "pci"}; !slices.Equal(got, want) {
		t.Errorf("SourcesForDomains = %v, want %v", got, want)
	}
	if got := SourcesForDomains([]string{"rule"}); len(got) != 0 {
		t.Errorf("SourcesForDomains(rule) = %v, want none", got)
	}
}

func TestDiscoverThisHost(t *testing.T) {
	f, err := Discover(context.Background(), DiscoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Flags["cpu.cpuid"].Elements) == 0 {
		t.Error("cpu.cpuid has no flags")
	}
	if f.Attributes["cpu.model"].Elements["vendor_id"] == "" {
		t.Error("cpu.model has no vendor_id")
	}
	if f.Attributes["kernel.version"].Elements["major"] == "" {
		t.Error("kernel.version has no major")
	}
	for _, d := range domains(f) {
		if !slices.Contains(DefaultSources(), d) {
			t.Errorf("unexpected domain %q", d)
		}
	}
}

func TestDiscoverSelectsSources(t *testing.T) {
	f, err := Discover(context.Background(), DiscoverOptions{Sources: []string{"cpu"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := domains(f); !slices.Equal(got, []string{"cpu"}) {
		t.Errorf("domains = %v, want only cpu", got)
	}
	if len(f.Flags["cpu.cpuid"].Elements) == 0 {
		t.Error("cpu.cpuid has no flags")
	}

	f, err = Discover(context.Background(), DiscoverOptions{Sources: []string{"kernel", "system", "kernel"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := domains(f); !slices.Equal(got, []string{"kernel", "system"}) {
		t.Errorf("domains = %v, want kernel, system", got)
	}
}

func TestDiscoverUnknownSource(t *testing.T) {
	_, err := Discover(context.Background(), DiscoverOptions{Sources: []string{"cpu", "gpu"}})
	if err == nil {
		t.Fatal("no error for unknown source gpu")
	}
	for _, want := range []string{`"gpu"`, "valid sources are", "cpu", "kernel", "usb"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

func TestDiscoverCustomOnly(t *testing.T) {
	_, err := Discover(context.Background(), DiscoverOptions{Sources: []string{"custom"}})
	if err == nil || !strings.Contains(err.Error(), "label-only") {
		t.Fatalf("err = %v, want no source could run: custom is label-only", err)
	}
}

func TestDiscoverBadHostOptions(t *testing.T) {
	for name, opts := range map[string]DiscoverOptions{
		"both":          {HostRoot: "testdata/hostroot", HostPrefix: "/host-"},
		"missing root":  {HostRoot: "testdata/no-such-dir"},
		"file as root":  {HostRoot: "testdata/arm64.json"},
		"relative pref": {HostPrefix: "host-"},
	} {
		if _, err := Discover(context.Background(), opts); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestDiscoverCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Discover(ctx, DiscoverOptions{Sources: []string{"cpu"}}); err == nil {
		t.Fatal("no error with a cancelled context")
	}
}

// captureStderr returns what fn writes to os.Stderr.
func captureStderr(t *testing.T, fn func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = w
	var out bytes.Buffer
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _, _ = io.Copy(&out, r) }()
	func() {
		defer func() { os.Stderr = old }()
		fn()
	}()
	_ = w.Close()
	wg.Wait()
	_ = r.Close()
	return out.String()
}

// TestDiscoverErrorsAreQuiet: with an empty host root every file is missing
// (DMI, os-release, swaps, ...); the sources log through klog, which must end
// up in Log at Debug and not on stderr, and Discover must still succeed.
func TestDiscoverErrorsAreQuiet(t *testing.T) {
	log, hook := test.NewNullLogger()
	log.SetLevel(logrus.DebugLevel)
	var f *Features
	var err error
	stderr := captureStderr(t, func() {
		f, err = Discover(context.Background(), DiscoverOptions{HostRoot: t.TempDir(), Log: log, Sources: []string{"system", "kernel", "pci"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	if stderr != "" {
		t.Errorf("Discover wrote to stderr:\n%s", stderr)
	}
	if _, ok := f.Attributes["system.dmiid"]; ok {
		t.Error("system.dmiid present with no DMI files")
	}
	var sawDMI, sawPCI bool
	for _, e := range hook.AllEntries() {
		if e.Level != logrus.DebugLevel {
			t.Errorf("entry %q at level %s, want debug", e.Message, e.Level)
		}
		sawDMI = sawDMI || strings.Contains(e.Message, "DMI")
		sawPCI = sawPCI || (e.Data["source"] == "pci" && e.Data[logrus.ErrorKey] != nil)
	}
	if !sawDMI {
		t.Error("no debug entry about the missing DMI files")
	}
	if !sawPCI {
		t.Error("no debug entry about the failed pci source")
	}
	// Without a Log the same run is silent too.
	stderr = captureStderr(t, func() {
		_, err = Discover(context.Background(), DiscoverOptions{HostRoot: t.TempDir(), Sources: []string{"system"}})
	})
	if err != nil || stderr != "" {
		t.Errorf("nil Log: err = %v, stderr = %q", err, stderr)
	}
}

// TestDiscoverNoSourceRuns: every requested source fails → an error naming them.
func TestDiscoverNoSourceRuns(t *testing.T) {
	_, err := Discover(context.Background(), DiscoverOptions{HostRoot: t.TempDir(), Sources: []string{"pci", "storage"}})
	if err == nil {
		t.Fatal("no error when pci and storage both fail")
	}
	if !strings.Contains(err.Error(), "pci:") || !strings.Contains(err.Error(), "storage:") {
		t.Errorf("error %q does not name the failed sources", err)
	}
}

// TestDiscoverSourcePanic: NFD's kernel source indexes an empty
// sys/fs/selinux/enforce; the panic must become a logged source failure.
func TestDiscoverSourcePanic(t *testing.T) {
	root := t.TempDir()
	sel := filepath.Join(root, "sys", "fs", "selinux")
	if err := os.MkdirAll(sel, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sel, "enforce"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Discover(context.Background(), DiscoverOptions{HostRoot: root, Sources: []string{"kernel", "cpu"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := domains(f); !slices.Equal(got, []string{"cpu"}) {
		t.Errorf("domains = %v, want only cpu (kernel panicked)", got)
	}
}

// TestDiscoverMatchesUpstreamExport runs upstream `nfd export features`' own
// steps (Discover every default source, source.GetAllFeatures, MarshalIndent
// with four spaces, Println) and compares with Write(Discover()).
func TestDiscoverMatchesUpstreamExport(t *testing.T) {
	f, err := Discover(context.Background(), DiscoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var ours bytes.Buffer
	if err := Write(&ours, f); err != nil {
		t.Fatal(err)
	}

	discoverMu.Lock()
	defer discoverMu.Unlock()
	defer routeKlog(discardLogger())()
	for _, s := range source.GetAllFeatureSources() {
		if err := s.Discover(); err != nil {
			t.Skipf("upstream export would fail here: source %s: %v", s.Name(), err)
		}
	}
	b, err := json.MarshalIndent(source.GetAllFeatures(), "", "    ")
	if err != nil {
		t.Fatal(err)
	}
	upstream := append(b, '\n')
	if !bytes.Equal(ours.Bytes(), upstream) {
		t.Errorf("Write(Discover()) differs from upstream export:\nours %d bytes, upstream %d bytes", ours.Len(), len(upstream))
	}
}

// TestDiscoverConcurrent: calls with different host roots at once each see
// their own host (Discover serialises them).
func TestDiscoverConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	errs := make(chan string, 20)
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			opts := DiscoverOptions{Sources: []string{"system"}}
			if i%2 == 0 {
				opts.HostRoot = "testdata/hostroot"
			}
			f, err := Discover(context.Background(), opts)
			if err != nil {
				errs <- err.Error()
				return
			}
			if got := f.Attributes["system.osrelease"].Elements["ID"]; (got == "fixtureos") != (i%2 == 0) {
				errs <- "call " + string(rune('0'+i)) + " saw ID " + got
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestDiscoverKeep: with Keep, only the kept features are returned, and the
// kernel source does not parse the kconfig unless kernel.config is kept
// (NFD's source keeps the parsed legacy kconfig, so a skipped parse shows as
// an empty one).
func TestDiscoverKeep(t *testing.T) {
	ctx := context.Background()
	all, err := Discover(ctx, DiscoverOptions{Sources: []string{"kernel", "cpu"}})
	if err != nil {
		t.Fatal(err)
	}
	hasKconfig := len(all.Attributes["kernel.config"].Elements) > 0

	keep := func(f string) bool { return f == "kernel.version" || f == "cpu.model" }
	f, err := Discover(ctx, DiscoverOptions{Sources: []string{"kernel", "cpu"}, Keep: keep})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for k := range f.Flags {
		got = append(got, k)
	}
	for k := range f.Attributes {
		got = append(got, k)
	}
	for k := range f.Instances {
		got = append(got, k)
	}
	slices.Sort(got)
	if want := []string{"cpu.model", "kernel.version"}; !slices.Equal(got, want) {
		t.Errorf("kept features = %v, want %v", got, want)
	}
	if !reflect.DeepEqual(f.Attributes["kernel.version"], all.Attributes["kernel.version"]) {
		t.Errorf("kernel.version = %v, want %v as without Keep", f.Attributes["kernel.version"], all.Attributes["kernel.version"])
	}
	if n := len(kernel.GetLegacyKconfig()); n != 0 {
		t.Errorf("kconfig parsed (%d options) though kernel.config is not kept", n)
	}

	withConfig, err := Discover(ctx, DiscoverOptions{Sources: []string{"kernel"}, Keep: func(f string) bool { return f == "kernel.config" }})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(withConfig.Attributes["kernel.config"], all.Attributes["kernel.config"]) {
		t.Error("kernel.config kept differs from the unfiltered discovery's")
	}
	if hasKconfig && len(kernel.GetLegacyKconfig()) == 0 {
		t.Error("kconfig not parsed though kernel.config is kept")
	}
}
