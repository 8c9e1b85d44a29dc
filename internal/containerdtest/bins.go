package containerdtest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// BinDirEnv names a directory of prebuilt binaries (nfd-compat,
// nfd-compat-verifier, containerd-nfd, containerd, ctr, crictl); the Makefile
// sets it to bin/. Binaries missing there are built as without it.
const BinDirEnv = "NFD_COMPAT_BIN_DIR"

// containerdTags are the build tags containerd's own release builds use on
// Linux without btrfs/devmapper/zfs headers.
const containerdTags = "no_btrfs no_devmapper no_zfs urfave_cli_no_docs"

const (
	containerdModule = "github.com/containerd/containerd/v2"
	crictlModule     = "sigs.k8s.io/cri-tools/cmd/crictl"
	// CrictlVersion is the cri-tools release used for CRI tests.
	CrictlVersion = "v1.37.0"
)

// Bins are the paths of the binaries tests run. ContainerdNFD, Verifier and
// Crictl are empty when they could not be built (see Missing).
type Bins struct {
	Containerd    string
	Ctr           string
	NFDCompat     string // its companion nfd-compat-containerd (pull, doctor, check-images) is next to it
	Verifier      string // nfd-compat-verifier, the bindir client
	VerifierD     string // nfd-compat-verifierd, the resident and one-shot verifier (next to Verifier)
	ContainerdNFD string // containerd-nfd
	Crictl        string
	// Missing says, per empty field, why it is missing.
	Missing map[string]string
}

// Builder builds the binaries once per process. The zero value is ready;
// keep one per test package.
type Builder struct {
	once sync.Once
	bins Bins
	err  error
}

// Get returns the binaries, building them on first use. A failure to build
// containerd, ctr or nfd-compat fails the test; the optional ones are
// reported in Bins.Missing.
func (b *Builder) Get(t testing.TB) Bins {
	t.Helper()
	b.once.Do(func() { b.bins, b.err = build() })
	if b.err != nil {
		t.Fatalf("containerdtest: %v", b.err)
	}
	return b.bins
}

func build() (Bins, error) {
	bins := Bins{Missing: map[string]string{}}
	root, err := moduleRoot()
	if err != nil {
		return bins, err
	}
	have, err := prebuiltBins()
	if err != nil {
		return bins, err
	}
	cache, err := cacheDir()
	if err != nil {
		return bins, err
	}

	version, err := goList(root, "-m", "-f", "{{.Version}}", containerdModule)
	if err != nil {
		return bins, err
	}
	for _, c := range []struct {
		dst  *string
		name string
	}{{&bins.Containerd, "containerd"}, {&bins.Ctr, "ctr"}} {
		if *c.dst = have(c.name); *c.dst != "" {
			continue
		}
		out := filepath.Join(cache, c.name+"-"+version)
		if err := buildCached(out, func(tmp string) error {
			return goBuild(root, tmp, []string{"CGO_ENABLED=1"}, containerdTags, containerdModule+"/cmd/"+c.name)
		}); err != nil {
			return bins, err
		}
		*c.dst = out
	}

	// Ours change with every edit: build them once per process.
	removeStale(cache, "ours-*", 6*time.Hour)
	ours, err := os.MkdirTemp(cache, "ours-")
	if err != nil {
		return bins, err
	}
	// nfd-compat runs the companion next to it: both come from the same
	// directory.
	if (have("nfd-compat") == "") != (have(companionName) == "") {
		return bins, fmt.Errorf("%s has one of nfd-compat and %s but not the other: run make build", os.Getenv(BinDirEnv), companionName)
	}
	for _, c := range []struct {
		dst      *string
		name     string
		optional bool
		tags     string
	}{
		{&bins.NFDCompat, "nfd-compat", false, ""},
		{new(string), companionName, false, ""},
		{&bins.Verifier, verifierName, true, ""},
		{&bins.VerifierD, verifierdName, true, ""},
		{&bins.ContainerdNFD, "containerd-nfd", true, containerdTags},
	} {
		if *c.dst = have(c.name); *c.dst != "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(root, "cmd", c.name)); err != nil && c.optional {
			bins.Missing[c.name] = fmt.Sprintf("./cmd/%s does not exist yet", c.name)
			continue
		}
		out := filepath.Join(ours, c.name)
		if err := buildOurs(root, out, c.name, c.tags); err != nil {
			if c.optional {
				bins.Missing[c.name] = err.Error()
				continue
			}
			return bins, err
		}
		*c.dst = out
	}

	if bins.Crictl = have("crictl"); bins.Crictl == "" {
		out := filepath.Join(cache, "crictl-"+CrictlVersion)
		if err := buildCached(out, func(tmp string) error { return goInstall(cache, tmp, crictlModule+"@"+CrictlVersion) }); err != nil {
			bins.Missing["crictl"] = err.Error()
		} else {
			bins.Crictl = out
		}
	}
	return bins, nil
}

// Command is one of this module's commands for a test that needs only it
// (not containerd): $NFD_COMPAT_BIN_DIR's when there is one, else built once
// per process. Keep one per test package.
type Command struct {
	// Name is the directory under cmd/, e.g. "nfd-compat-verifier".
	Name string
	// Tags are build tags (containerd-nfd needs containerd's).
	Tags string

	once sync.Once
	path string
	err  error
}

// Path returns the command's path, building it on first use; a failure to
// build fails the test.
func (c *Command) Path(t testing.TB) string {
	t.Helper()
	c.once.Do(func() { c.path, c.err = c.build() })
	if c.err != nil {
		t.Fatalf("containerdtest: %s: %v", c.Name, c.err)
	}
	return c.path
}

func (c *Command) build() (string, error) {
	have, err := prebuiltBins()
	if err != nil {
		return "", err
	}
	if p := have(c.Name); p != "" {
		return p, nil
	}
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	cache, err := cacheDir()
	if err != nil {
		return "", err
	}
	removeStale(cache, "ours-*", 6*time.Hour)
	dir, err := os.MkdirTemp(cache, "ours-")
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, c.Name)
	return out, buildOurs(root, out, c.Name, c.Tags)
}

// prebuiltBins returns a lookup of $NFD_COMPAT_BIN_DIR's executables: the
// path of name there, or "" (also when the variable is not set).
func prebuiltBins() (func(name string) string, error) {
	prebuilt := os.Getenv(BinDirEnv)
	if prebuilt != "" && !filepath.IsAbs(prebuilt) {
		return nil, fmt.Errorf("%s=%q must be an absolute path", BinDirEnv, prebuilt)
	}
	return func(name string) string {
		if prebuilt == "" {
			return ""
		}
		p := filepath.Join(prebuilt, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p
		}
		return ""
	}, nil
}

// buildOurs builds ./cmd/name of the module at root into out; the
// verifier's two binaries as `make build` builds them, both into out's
// directory by hack/build-verifier.sh (the one definition of their build:
// no client-go linked, the client stdlib-only).
func buildOurs(root, out, name, tags string) error {
	if name == verifierName || name == verifierdName {
		if _, err := os.Stat(out); err == nil {
			return nil // built with the other one
		}
		cmd := exec.Command(filepath.Join(root, "hack", "build-verifier.sh"), filepath.Dir(out))
		cmd.Dir = root
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("hack/build-verifier.sh %s: %v\n%s", out, err, b)
		}
		return nil
	}
	return goBuild(root, out, []string{"CGO_ENABLED=1"}, tags, "./cmd/"+name)
}

// companionName is nfd-compat's companion for its containerd commands,
// which nfd-compat runs from its own directory.
const companionName = "nfd-compat-containerd"

// verifierName is the bindir verifier's command (the client).
const verifierName = "nfd-compat-verifier"

// verifierdName is the full verifier the client asks or falls back to.
const verifierdName = "nfd-compat-verifierd"

// removeStale removes what matches pattern in dir and is older than age:
// the per-process builds of earlier runs.
func removeStale(dir, pattern string, age time.Duration) {
	matches, _ := filepath.Glob(filepath.Join(dir, pattern))
	for _, m := range matches {
		if fi, err := os.Stat(m); err == nil && time.Since(fi.ModTime()) > age {
			_ = os.RemoveAll(m)
		}
	}
}

// cacheDir is where containerd, ctr and crictl are kept between runs.
func cacheDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache dir for the containerd build (set HOME or XDG_CACHE_HOME): %w", err)
	}
	dir := filepath.Join(base, "nfd-compat-test", "bin")
	return dir, os.MkdirAll(dir, 0o755)
}

// buildCached runs mk(tmp) and renames tmp to out, unless out exists; an
// flock keeps concurrent test processes from building twice.
func buildCached(out string, mk func(tmp string) error) error {
	if _, err := os.Stat(out); err == nil {
		return nil
	}
	f, err := os.OpenFile(out+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return err
	}
	if _, err := os.Stat(out); err == nil {
		return nil
	}
	tmp := out + ".tmp"
	if err := mk(tmp); err != nil {
		return err
	}
	return os.Rename(tmp, out)
}

func goBuild(dir, out string, env []string, tags, pkg string) error {
	args := []string{"build", "-o", out}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	return goCmd(dir, env, append(args, pkg)...)
}

// goInstall installs a module's command outside our module (its own go.mod
// decides its dependencies) and moves it to out.
func goInstall(cache, out, pkgAtVersion string) error {
	gobin, err := os.MkdirTemp(cache, "gobin-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(gobin)
	if err := goCmd(gobin, []string{"GOBIN=" + gobin, "GOWORK=off", "GOFLAGS=-mod=mod"}, "install", pkgAtVersion); err != nil {
		return err
	}
	name := filepath.Base(strings.SplitN(pkgAtVersion, "@", 2)[0])
	return os.Rename(filepath.Join(gobin, name), out)
}

func goCmd(dir string, env []string, args ...string) error {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return nil
}

func goList(dir string, args ...string) (string, error) {
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go list %s: %w", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out)), nil
}

// moduleRoot is the directory of our go.mod, found from the test's working
// directory.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("not inside the nfd-compat module (go env GOMOD is %q)", gomod)
	}
	return filepath.Dir(gomod), nil
}
