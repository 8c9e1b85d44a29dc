package testregistry

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	distributionModule  = "github.com/distribution/distribution/v3/cmd/registry"
	distributionVersion = "v3.1.2"
	// BinEnv names the environment variable with a prebuilt distribution registry binary.
	BinEnv = "NFD_COMPAT_DISTRIBUTION_BIN"
)

// startDistribution runs a distribution registry for t and returns a reverse proxy to it.
func startDistribution(t testing.TB) http.Handler {
	t.Helper()
	bin := distributionBin(t)
	var lastErr error
	for range 3 { // the free port may be taken before the registry binds it
		addr, err := freeAddr()
		if err != nil {
			t.Fatalf("testregistry: %v", err)
		}
		if lastErr = runDistribution(t, bin, addr); lastErr == nil {
			return httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: addr})
		}
	}
	t.Fatalf("testregistry: distribution registry: %v", lastErr)
	return nil
}

// runDistribution starts bin on addr and waits until GET /v2/ answers 200.
func runDistribution(t testing.TB, bin, addr string) error {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfg, []byte(distributionConfig(filepath.Join(dir, "data"), addr)), 0o600); err != nil {
		return err
	}
	logf, err := os.Create(filepath.Join(dir, "registry.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(bin, "serve", cfg)
	cmd.Env = append(registryFreeEnv(),
		"OTEL_TRACES_EXPORTER=none", "OTEL_METRICS_EXPORTER=none", "OTEL_LOGS_EXPORTER=none")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Kill()
		<-exited
	}
	logTail := func() string { b, _ := os.ReadFile(logf.Name()); return tail(string(b), 2000) }

	deadline := time.Now().Add(30 * time.Second)
	client := &http.Client{Timeout: time.Second}
	for {
		select {
		case err := <-exited:
			return fmt.Errorf("exited early (%v):\n%s", err, logTail())
		default:
		}
		if resp, err := client.Get("http://" + addr + "/v2/"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				t.Cleanup(stop)
				return nil
			}
		}
		if time.Now().After(deadline) {
			stop()
			return fmt.Errorf("GET /v2/ did not answer 200 within 30s:\n%s", logTail())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func distributionConfig(root, addr string) string {
	return fmt.Sprintf(`version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: %s
  secret: nfd-compat-testregistry
`, root, addr)
}

// distributionBin returns the registry binary: $NFD_COMPAT_DISTRIBUTION_BIN, else one built once into
// the user cache dir with go install.
func distributionBin(t testing.TB) string {
	t.Helper()
	if p := os.Getenv(BinEnv); p != "" {
		if fi, err := os.Stat(p); err != nil || fi.IsDir() {
			t.Fatalf("testregistry: %s=%q is not a registry binary (use an absolute path): %v", BinEnv, p, err)
		}
		return p
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatalf("testregistry: %v", err)
	}
	dir := filepath.Join(cache, "nfd-compat-test", "bin")
	bin := filepath.Join(dir, "registry-"+distributionVersion)
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("testregistry: %v", err)
	}
	unlock, err := lockFile(filepath.Join(dir, ".lock"))
	if err != nil {
		t.Fatalf("testregistry: %v", err)
	}
	defer unlock()
	if _, err := os.Stat(bin); err == nil { // built by another test process meanwhile
		return bin
	}
	if err := buildDistribution(dir, bin); err != nil {
		t.Fatalf("testregistry: building the distribution registry: %v", err)
	}
	return bin
}

// buildDistribution go-installs the registry into a temporary GOBIN under dir and renames it to bin.
func buildDistribution(dir, bin string) error {
	gobin, err := os.MkdirTemp(dir, "build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(gobin)
	cmd := exec.Command("go", "install", distributionModule+"@"+distributionVersion)
	cmd.Dir = gobin // outside any module
	cmd.Env = append(os.Environ(), "GOBIN="+gobin, "GOWORK=off")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go install %s@%s: %v\n%s", distributionModule, distributionVersion, err, out.String())
	}
	return os.Rename(filepath.Join(gobin, "registry"), bin)
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// registryFreeEnv returns the environment without REGISTRY_* variables, which override the config.
func registryFreeEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "REGISTRY_") {
			env = append(env, kv)
		}
	}
	return env
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}
