package containerdtest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/containerd/containerd/v2/client"

	"github.com/nfd-compat/nfd-compat/internal/testenv"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
	"github.com/nfd-compat/nfd-compat/pkg/verifier/bindir/wire"
)

// Daemon is a running containerd.
type Daemon struct {
	// Dir holds everything of this daemon; short, for the socket path limit.
	Dir        string
	Address    string // grpc socket
	ConfigFile string // config.toml, also $NFD_COMPAT_CONFIG of the verifiers
	HostsDir   string // hosts.toml directory: ctr's --hosts-dir, CRI's and the policy's config_path
	BinDir     string // the bindir verifier's bin_dir
	CacheDir   string // the policy's cache_dir (audit.jsonl lives here)
	LogFile    string
	// Client talks to the daemon, namespace "default".
	Client *client.Client
	Bins   Bins
	// PID is the daemon's process id (see RSS and CPUTime).
	PID int
	// MetricsAddress is the [metrics] address with Options.Metrics.
	MetricsAddress string
	// VerifierSocket is the resident verifier's socket the client in
	// bin_dir asks; Verifierd serves it with Options.Resident.
	VerifierSocket string
	Verifierd      *Verifierd
	// verifierEnv names VerifierSocket and the fallback, as containerd's
	// environment does.
	verifierEnv []string
}

// RequireRoot skips the test unless it runs as root, which a containerd
// daemon needs (mounts, snapshotters, socket ownership).
func RequireRoot(t testing.TB) {
	t.Helper()
	testenv.Root(t, "starting a containerd daemon")
}

// Start starts a containerd for the test and stops it in t.Cleanup.
func Start(t testing.TB, bins Bins, opts Options) *Daemon {
	t.Helper()
	RequireRoot(t)
	dir, err := os.MkdirTemp("", "ctrd-")
	if err != nil {
		t.Fatal(err)
	}
	d := &Daemon{
		Dir:        dir,
		Address:    filepath.Join(dir, "c.sock"),
		ConfigFile: filepath.Join(dir, "config.toml"),
		HostsDir:   filepath.Join(dir, "certs.d"),
		BinDir:     filepath.Join(dir, "verifiers"),
		CacheDir:   filepath.Join(dir, "cache"),
		LogFile:    filepath.Join(dir, "containerd.log"),
		Bins:       bins,
	}
	t.Cleanup(func() { d.removeDir(t) })
	for _, sub := range []string{d.HostsDir, d.BinDir, d.CacheDir, filepath.Join(dir, "cni", "bin"), filepath.Join(dir, "cni", "conf"), filepath.Join(dir, "cdi")} {
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range opts.Verifiers {
		if err := copyExecutable(v, filepath.Join(d.BinDir, filepath.Base(v))); err != nil {
			t.Fatalf("containerdtest: install verifier: %v", err)
		}
	}
	if opts.Metrics {
		if d.MetricsAddress, err = freeLoopbackAddr(); err != nil {
			t.Fatalf("containerdtest: metrics address: %v", err)
		}
	}
	if err := os.WriteFile(d.ConfigFile, []byte(d.config(opts)), 0o644); err != nil {
		t.Fatal(err)
	}
	binary := opts.Binary
	if binary == "" {
		binary = bins.Containerd
	}
	d.VerifierSocket = filepath.Join(dir, "vd", "verifier.sock")
	d.verifierEnv = []string{wire.SocketEnv + "=" + d.VerifierSocket, wire.FallbackEnv + "=" + bins.VerifierD}
	env := append(append([]string{}, d.verifierEnv...), opts.Env...)
	if opts.Resident {
		if bins.VerifierD == "" {
			t.Fatalf("containerdtest: no nfd-compat-verifierd to run: %s", bins.Missing[verifierdName])
		}
		d.Verifierd = StartVerifierd(t, bins.VerifierD, d.VerifierSocket)
	}
	d.start(t, binary, env)
	return d
}

func (d *Daemon) start(t testing.TB, binary string, env []string) {
	t.Helper()
	logf, err := os.Create(d.LogFile)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(binary, "--config", d.ConfigFile)
	cmd.Env = append(append(os.Environ(), policy.ConfigEnv+"="+d.ConfigFile), env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("containerdtest: start %s: %v", binary, err)
	}
	d.PID = cmd.Process.Pid
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { d.stop(t, cmd, exited) })

	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("containerdtest: %s exited early (%v):\n%s", binary, err, d.LogTail(4000))
		default:
		}
		if _, err := os.Stat(d.Address); err == nil {
			c, err := client.New(d.Address, client.WithDefaultNamespace("default"), client.WithTimeout(5*time.Second))
			if err == nil {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				_, err = c.Version(ctx)
				cancel()
				if err == nil {
					d.Client = c
					return
				}
				c.Close()
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("containerdtest: %s did not answer on %s within 30s:\n%s", binary, d.Address, d.LogTail(4000))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (d *Daemon) stop(t testing.TB, cmd *exec.Cmd, exited chan error) {
	if d.Client != nil {
		d.Client.Close()
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(15 * time.Second):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	}
	if t.Failed() {
		t.Logf("containerd log (%s):\n%s", d.LogFile, d.LogTail(6000))
	}
}

// removeDir unmounts whatever the daemon left mounted under Dir, then
// removes it.
func (d *Daemon) removeDir(t testing.TB) {
	for _, m := range mountsUnder(d.Dir) {
		_ = syscall.Unmount(m, syscall.MNT_DETACH)
	}
	if err := os.RemoveAll(d.Dir); err != nil {
		t.Logf("containerdtest: remove %s: %v", d.Dir, err)
	}
}

// mountsUnder lists mount points under dir, deepest first.
func mountsUnder(dir string) []string {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) > 4 && strings.HasPrefix(f[4], dir+"/") {
			out = append(out, f[4])
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// LogTail returns the last n bytes of the daemon's log.
func (d *Daemon) LogTail(n int) string {
	b, _ := os.ReadFile(d.LogFile)
	if len(b) > n {
		return "..." + string(b[len(b)-n:])
	}
	return string(b)
}

// Log returns the daemon's whole log.
func (d *Daemon) Log() string {
	b, _ := os.ReadFile(d.LogFile)
	return string(b)
}

// TrustPlainHTTP writes a hosts.toml that makes containerd talk plain HTTP
// to host (a 127.0.0.1:PORT test registry), as CRI's config_path and ctr's
// --hosts-dir read it.
func (d *Daemon) TrustPlainHTTP(t testing.TB, host string) {
	t.Helper()
	if err := WritePlainHTTPHosts(d.HostsDir, host); err != nil {
		t.Fatal(err)
	}
}

// WritePlainHTTPHosts writes dir/HOST/hosts.toml for a plain HTTP registry.
// No skip_verify: with it containerd tries HTTPS first.
func WritePlainHTTPHosts(dir, host string) error {
	hd := filepath.Join(dir, host)
	if err := os.MkdirAll(hd, 0o755); err != nil {
		return err
	}
	toml := fmt.Sprintf("server = %q\n\n[host.%q]\n  capabilities = [\"pull\", \"resolve\"]\n", "http://"+host, "http://"+host)
	return os.WriteFile(filepath.Join(hd, "hosts.toml"), []byte(toml), 0o644)
}

// AuditLog returns the verifier's audit log (cache_dir/audit.jsonl), empty
// if there is none yet.
func (d *Daemon) AuditLog() string {
	b, _ := os.ReadFile(filepath.Join(d.CacheDir, "audit.jsonl"))
	return string(b)
}

func copyExecutable(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o755)
}
