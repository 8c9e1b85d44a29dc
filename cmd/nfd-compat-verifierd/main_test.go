package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/nfd-compat/nfd-compat/internal/containerdtest"
	"github.com/nfd-compat/nfd-compat/internal/testartifact"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
	"github.com/nfd-compat/nfd-compat/pkg/verifier"
)

// verifierBin is the full verifier, run one-shot as the client falls back to it.
var verifierBin = containerdtest.Command{Name: "nfd-compat-verifierd"}

type image struct {
	name string
	desc ocispec.Descriptor
}

func push(t testing.TB, reg *testregistry.Registry, repo, specFile string) image {
	t.Helper()
	var spec []byte
	if specFile != "" {
		var err error
		if spec, err = os.ReadFile(filepath.Join("..", "..", "examples", specFile)); err != nil {
			t.Fatal(err)
		}
	}
	name, d := testartifact.HostImage(t, reg, repo, "v1", spec)
	return image{name: name, desc: d}
}

// config writes a containerd config.toml with the policy stanza.
func config(t testing.TB, stanza string) (path, cacheDir string) {
	t.Helper()
	dir := t.TempDir()
	cacheDir = filepath.Join(dir, "cache")
	path = filepath.Join(dir, "config.toml")
	body := fmt.Sprintf(`version = 3
[plugins."io.containerd.image-verifier.v1.bindir"]
  bin_dir = %q
[plugins."io.containerd.image-verifier.v1.nfd-compat"]
  cache_dir = %q
  config_path = %q
%s
`, filepath.Join(dir, "bin"), cacheDir, filepath.Join(dir, "certs.d"), stanza)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, cacheDir
}

// run calls the verifier exactly as containerd's bindir plugin does.
func run(t testing.TB, bin, cfg string, img image) (int, string, string) {
	t.Helper()
	return runEnv(t, bin, []string{policy.ConfigEnv + "=" + cfg, "DOCKER_CONFIG=" + t.TempDir()}, img)
}

// runEnv is run with env added to the test's environment.
func runEnv(t testing.TB, bin string, env []string, img image) (int, string, string) {
	t.Helper()
	cmd := exec.Command(bin, "-name", img.name, "-digest", img.desc.Digest.String(), "-stdin-media-type", ocispec.MediaTypeDescriptor)
	in, _ := json.Marshal(img.desc)
	cmd.Stdin = bytes.NewReader(append(in, '\n'))
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, strings.TrimSpace(stdout.String()), stderr.String()
}

func auditLines(t *testing.T, cacheDir string) []verifier.AuditEntry {
	t.Helper()
	f, err := os.Open(filepath.Join(cacheDir, verifier.AuditFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []verifier.AuditEntry
	s := bufio.NewScanner(f)
	for s.Scan() {
		var e verifier.AuditEntry
		if err := json.Unmarshal(s.Bytes(), &e); err != nil {
			t.Fatalf("torn audit line %q: %v", s.Text(), err)
		}
		out = append(out, e)
	}
	return out
}

func TestBinDirProtocol(t *testing.T) {
	bin := verifierBin.Path(t)
	reg := testregistry.Start(t, testregistry.GGCRReferrers)
	ok, gpu, plain := push(t, reg, "ok", "demo-spec.yaml"), push(t, reg, "gpu", "gpu-spec.yaml"), push(t, reg, "plain", "")

	cfg, cacheDir := config(t, "")
	start := time.Now()
	code, out, stderr := run(t, bin, cfg, ok)
	t.Logf("cold exec + decision: %s", time.Since(start))
	if code != 0 || !strings.HasPrefix(out, "nfd-compat: "+ok.name+" is compatible with this host") {
		t.Errorf("compatible: exit %d, %q\n%s", code, out, stderr)
	}
	if !strings.Contains(stderr, "verdict=compatible") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Errorf("stderr should be one structured line: %q", stderr)
	}
	code, out, _ = run(t, bin, cfg, gpu)
	if code != 1 || !strings.Contains(out, "is incompatible with this host (set #0 gpu: pci.device") || !strings.HasSuffix(out, "refused by mode=enforce") {
		t.Errorf("incompatible: exit %d, %q", code, out)
	}
	t.Logf("refusal: %s", out)
	code, out, _ = run(t, bin, cfg, plain)
	if code != 0 || !strings.Contains(out, "allowed by on_missing=allow") {
		t.Errorf("missing: exit %d, %q", code, out)
	}
	// Cost of a whole exec, as containerd pays it, with warm caches.
	start = time.Now()
	const n = 10
	for range n {
		if code, _, _ := run(t, bin, cfg, ok); code != 0 {
			t.Fatal("warm run refused")
		}
	}
	t.Logf("warm exec + decision: %s per call", time.Since(start)/n)
	es := auditLines(t, cacheDir)[:3]
	if len(es) != 3 || es[0].Verdict != "compatible" || es[1].Verdict != "incompatible" || es[2].Verdict != "missing" {
		t.Errorf("audit: %+v", es)
	}

	// warn mode allows and says so.
	cfg, _ = config(t, `  mode = "warn"`)
	if code, out, _ := run(t, bin, cfg, gpu); code != 0 || !strings.Contains(out, "allowed by mode=warn") {
		t.Errorf("warn: exit %d, %q", code, out)
	}
	// An invalid policy refuses, naming the problem.
	cfg, _ = config(t, `  mode = "strict"`)
	if code, out, _ := run(t, bin, cfg, ok); code != 1 || !strings.Contains(out, `mode = "strict": valid values are "enforce", "warn", "off"`) {
		t.Errorf("invalid policy: exit %d, %q", code, out)
	}
	// Flags as containerd passes them but another stdin media type: -digest alone still works.
	cfg, _ = config(t, "")
	cmd := exec.Command(bin, "-name", gpu.name, "-digest", gpu.desc.Digest.String(), "-stdin-media-type", "application/x-future")
	cmd.Env = append(os.Environ(), policy.ConfigEnv+"="+cfg)
	cmd.Stdin = strings.NewReader("whatever")
	if out, err := cmd.Output(); err == nil || !strings.Contains(string(out), "is incompatible") {
		t.Errorf("other media type: %v %q", err, out)
	}
}

// TestFiftyVerifiersAtOnce: a node booting and pulling 50 images: 50
// verifier processes at once on one cache, every decision right, the audit
// log and the caches intact.
func TestFiftyVerifiersAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 50 processes")
	}
	bin := verifierBin.Path(t)
	reg := testregistry.Start(t, testregistry.GGCRReferrers)
	var imgs []image
	for i := range 50 {
		spec := "demo-spec.yaml"
		if i%2 == 1 {
			spec = "gpu-spec.yaml"
		}
		imgs = append(imgs, push(t, reg, fmt.Sprintf("app%02d", i), spec))
	}
	cfg, cacheDir := config(t, "")
	codes := make([]int, len(imgs))
	outs := make([]string, len(imgs))
	var wg sync.WaitGroup
	for i, img := range imgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], outs[i], _ = run(t, bin, cfg, img)
		}()
	}
	wg.Wait()
	for i := range imgs {
		if want := i % 2; codes[i] != want {
			t.Errorf("%s: exit %d, want %d: %s", imgs[i].name, codes[i], want, outs[i])
		}
	}
	es := auditLines(t, cacheDir)
	if len(es) != 50 {
		t.Errorf("audit has %d lines, want 50", len(es))
	}
	// A second round is served from the caches: every process still right.
	for i, img := range imgs[:4] {
		if code, out, _ := run(t, bin, cfg, img); code != i%2 {
			t.Errorf("warm %s: exit %d: %s", img.name, code, out)
		}
	}
}
