package testcontrolplane

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/nfd-compat/nfd-compat/internal/testenv"
)

// BinDirEnv names the directory holding the binaries (bin/ under make test).
const BinDirEnv = "NFD_COMPAT_BIN_DIR"

// Users of the token file: Admin is in system:masters; NoRBAC exists but no
// RBAC binding grants it anything.
const (
	Admin  = "admin"
	NoRBAC = "nobody"
)

// NFDNamespace is where nfd-master runs and NFD's own NodeFeatures live.
const NFDNamespace = "node-feature-discovery"

// Options choose the components beyond etcd and kube-apiserver.
type Options struct {
	// Scheduler starts kube-scheduler.
	Scheduler bool
}

// ControlPlane is a running control plane.
type ControlPlane struct {
	// URL is the API server's https://127.0.0.1:port.
	URL string
	// Config is a REST config for Admin.
	Config *rest.Config
	// Client and Dynamic are clients for Admin.
	Client  kubernetes.Interface
	Dynamic dynamic.Interface

	dir     string
	bins    string
	pki     *pki
	tokens  map[string]string
	started time.Time
	procs   []*process // every component started, for the package's tests
}

// Start starts etcd and kube-apiserver (and kube-scheduler with
// opts.Scheduler), installs NFD's CRDs and creates NFDNamespace. It skips
// (fails under CI) when the binaries are not in $NFD_COMPAT_BIN_DIR.
func Start(t testing.TB, opts Options) *ControlPlane {
	t.Helper()
	bins := os.Getenv(BinDirEnv)
	need := []string{"etcd", "kube-apiserver", "nfd-master", crdFile}
	if opts.Scheduler {
		need = append(need, "kube-scheduler")
	}
	if bins == "" {
		testenv.Missing(t, "%s is not set: run `make control-plane` and set %s to that bin/ directory's absolute path (make test does both)", BinDirEnv, BinDirEnv)
	}
	for _, n := range need {
		if _, err := os.Stat(filepath.Join(bins, n)); err != nil {
			testenv.Missing(t, "%s not in %s=%s: run `make control-plane`", n, BinDirEnv, bins)
		}
	}
	dir := t.TempDir()
	cp := &ControlPlane{dir: dir, bins: bins, started: time.Now(), tokens: map[string]string{}}
	var err error
	if cp.pki, err = newPKI(dir); err != nil {
		t.Fatal(err)
	}
	ports, err := freePorts(3)
	if err != nil {
		t.Fatal(err)
	}
	etcdURL := "http://127.0.0.1:" + strconv.Itoa(ports[0])
	peerURL := "http://127.0.0.1:" + strconv.Itoa(ports[1])
	etcd := start(t, dir, "etcd", filepath.Join(bins, "etcd"), nil,
		"--name=default", "--data-dir="+filepath.Join(dir, "etcd"),
		"--listen-client-urls="+etcdURL, "--advertise-client-urls="+etcdURL,
		"--listen-peer-urls="+peerURL, "--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=default="+peerURL, "--unsafe-no-fsync", "--log-level=warn")

	tokenFile := filepath.Join(dir, "tokens.csv")
	csv := ""
	for _, u := range []struct{ name, groups string }{{Admin, `,"system:masters"`}, {NoRBAC, ""}} {
		cp.tokens[u.name] = randomToken(t)
		csv += cp.tokens[u.name] + "," + u.name + "," + u.name + u.groups + "\n"
	}
	if err := os.WriteFile(tokenFile, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	cp.URL = "https://127.0.0.1:" + strconv.Itoa(ports[2])
	apiserver := start(t, dir, "kube-apiserver", filepath.Join(bins, "kube-apiserver"), nil,
		"--etcd-servers="+etcdURL, "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
		"--secure-port="+strconv.Itoa(ports[2]), "--cert-dir="+filepath.Join(dir, "certs"),
		// v1.37 refuses 127.0.0.1 as an endpoint-reconciler address.
		"--endpoint-reconciler-type=none",
		"--tls-cert-file="+cp.pki.certFile, "--tls-private-key-file="+cp.pki.keyFile,
		"--token-auth-file="+tokenFile, "--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file="+cp.pki.saPub, "--service-account-signing-key-file="+cp.pki.saKey,
		"--service-cluster-ip-range=10.0.0.0/24",
		// No controller manager: no "default" service account is ever
		// created, and nothing would remove the not-ready taint.
		"--disable-admission-plugins=ServiceAccount,TaintNodesByCondition",
		"--profiling=false")

	cp.Config = cp.restConfig(Admin)
	if cp.Client, err = kubernetes.NewForConfig(cp.Config); err != nil {
		t.Fatal(err)
	}
	if cp.Dynamic, err = dynamic.NewForConfig(cp.Config); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cp.procs = append(cp.procs, etcd, apiserver)
	if err := waitFor("kube-apiserver /readyz", 60*time.Second, apiserver, func() error {
		if e := etcd.exited(); e != nil {
			return e
		}
		_, err := cp.Client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	cp.installCRDs(t, apiserver)
	cp.CreateNamespace(t, NFDNamespace)
	if opts.Scheduler {
		sched := start(t, dir, "kube-scheduler", filepath.Join(bins, "kube-scheduler"), nil,
			"--kubeconfig="+cp.Kubeconfig(t, Admin), "--leader-elect=false", "--secure-port=0")
		cp.procs = append(cp.procs, sched)
	}
	t.Logf("control plane at %s ready in %v", cp.URL, time.Since(cp.started).Round(time.Millisecond))
	return cp
}

// Token returns the bearer token of a user (Admin or NoRBAC).
func (cp *ControlPlane) Token(user string) string { return cp.tokens[user] }

func (cp *ControlPlane) restConfig(user string) *rest.Config {
	return &rest.Config{Host: cp.URL, BearerToken: cp.tokens[user],
		TLSClientConfig: rest.TLSClientConfig{CAData: cp.pki.caPEM}, QPS: 200, Burst: 400}
}

// Kubeconfig writes a kubeconfig for user (Admin or NoRBAC) and returns its
// path.
func (cp *ControlPlane) Kubeconfig(t testing.TB, user string) string {
	t.Helper()
	return writeKubeconfig(t, cp.URL, cp.pki.caPEM, cp.tokens[user], user)
}

// writeKubeconfig writes a kubeconfig for server with a CA and a bearer
// token into a new temporary directory.
func writeKubeconfig(t testing.TB, server string, caPEM []byte, token, user string) string {
	t.Helper()
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["test"] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: caPEM}
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{Token: token}
	cfg.Contexts["test"] = &clientcmdapi.Context{Cluster: "test", AuthInfo: user}
	cfg.CurrentContext = "test"
	p := filepath.Join(t.TempDir(), "kubeconfig-"+user)
	if err := clientcmd.WriteToFile(*cfg, p); err != nil {
		t.Fatal(err)
	}
	return p
}

func randomToken(t testing.TB) string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// String describes the control plane in test logs.
func (cp *ControlPlane) String() string { return fmt.Sprintf("control plane %s (%s)", cp.URL, cp.dir) }
