package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"flag"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nfd-compat/nfd-compat/internal/testpki"
)

func TestBadFlags(t *testing.T) {
	for args, want := range map[string]string{
		"-mode=bogus":         `mode = "bogus": valid values are "enforce", "warn", "off"`,
		"-on-error=maybe":     `on_error = "maybe": valid values are "allow", "deny"`,
		"-platform=a/b/c/d":   "-platform",
		"stray":               `unexpected argument "stray"`,
		"-rule-gc-grace=30s":  "-rule-gc-grace 30s: give 0 (no garbage collection) or at least -cache-ttl (1m0s)",
		"-rule-gc-grace=-1h":  "-rule-gc-grace -1h0m0s",
		"-drift-interval=5s":  "-drift-interval 5s: give 0 (no drift scans) or at least 10s",
		"-drift-interval=-1m": "-drift-interval -1m0s",
		"-namespace-selector={\"matchExpressions\":[{\"key\":\"team\",\"operator\":\"Within\"}]}": `-namespace-selector: label selector`,
		"-pod-selector=a=b=c":  "-pod-selector: label selector",
		"-cache-error-ttl=-1s": "-cache-error-ttl -1s: give 0",
		"-no-such-flag":        "flag provided but not defined: -no-such-flag",
		"-leader-elect-resource-namespace=ns -leader-elect-lease-duration=10s":     "-leader-elect-lease-duration 10s must be longer than -leader-elect-renew-deadline 10s",
		"-leader-elect-resource-namespace=ns -leader-elect-renew-deadline=2s":      "-leader-elect-renew-deadline 2s must be longer than 2.4s (1.2 × -leader-elect-retry-period 2s)",
		"-leader-elect-resource-namespace=ns -leader-elect-retry-period=0s":        "-leader-elect-retry-period 0s: give a positive duration such as 2s",
		"-leader-elect-resource-namespace=ns -leader-elect-lease-duration=-1s":     "-leader-elect-lease-duration -1s: give a positive duration such as 15s",
		"-leader-elect-resource-namespace=ns -leader-elect-resource-name=Bad_Name": `-leader-elect-resource-name "Bad_Name": a lowercase RFC 1123 subdomain`,
		"-leader-elect-resource-namespace=Bad.NS":                                  `-leader-elect-resource-namespace "Bad.NS": a lowercase RFC 1123 label`,
	} {
		err := run(context.Background(), strings.Fields(args))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", args, err, want)
		}
		if ue := (usageError{}); !errors.As(err, &ue) {
			t.Errorf("%s: %v is not a usage error (exit 2)", args, err)
		}
	}
}

// TestLeaderNamespace: the Lease's namespace is the flag's, else
// $POD_NAMESPACE, else the service account's namespace file; none of them
// is an error naming the flag, unless no loop needs a Lease.
func TestLeaderNamespace(t *testing.T) {
	election := func(flagNS, env string, file func() (string, error)) (string, string, error) {
		t.Helper()
		t.Setenv("POD_NAMESPACE", env)
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		f := addLeaderFlags(fs)
		f.namespaceFile = file
		f.hostname = func() (string, error) { return "webhook-7d9f-x2k4q", nil }
		if err := fs.Parse([]string{"-leader-elect-resource-namespace=" + flagNS}); err != nil {
			t.Fatal(err)
		}
		le, err := f.election()
		if err != nil {
			return "", "", err
		}
		return le.Namespace, le.Identity, nil
	}
	noFile := func() (string, error) { return "", os.ErrNotExist }
	saFile := func() (string, error) { return "from-file\n", nil }
	for _, c := range []struct {
		flag, env string
		file      func() (string, error)
		want      string
	}{{"given", "from-env", saFile, "given"}, {"", "from-env", saFile, "from-env"}, {"", "", saFile, "from-file"}} {
		ns, id, err := election(c.flag, c.env, c.file)
		if err != nil || ns != c.want {
			t.Errorf("flag %q, env %q: namespace %q, %v; want %q", c.flag, c.env, ns, err, c.want)
		}
		if !strings.HasPrefix(id, "webhook-7d9f-x2k4q_") || len(id) != len("webhook-7d9f-x2k4q_")+16 {
			t.Errorf("identity %q: want the hostname, _ and 16 hex digits", id)
		}
	}
	if _, id1, _ := election("ns", "", noFile); func() bool { _, id2, _ := election("ns", "", noFile); return id1 == id2 }() {
		t.Errorf("two identities of one host are equal (%s): the random suffix is missing", id1)
	}
	if _, _, err := election("", "", noFile); err == nil || !strings.Contains(err.Error(), "-leader-elect-resource-namespace: not given") {
		t.Errorf("no namespace anywhere: %v", err)
	}
	// Valid leader flags, or no loop needing a Lease outside a pod: the
	// flags pass, the kubeconfig is what fails.
	t.Setenv("POD_NAMESPACE", "")
	for _, args := range [][]string{{"-rule-gc-grace=0", "-drift-interval=0"}, {"-leader-elect=false"},
		{"-leader-elect-resource-namespace=ns", "-leader-elect-lease-duration=2s", "-leader-elect-renew-deadline=1500ms", "-leader-elect-retry-period=500ms"}} {
		err := run(context.Background(), append(args, "-kubeconfig="+filepath.Join(t.TempDir(), "none")))
		if ue := (usageError{}); err == nil || errors.As(err, &ue) || strings.Contains(err.Error(), "leader-elect") {
			t.Errorf("%v: %v, want the flags accepted (the kubeconfig fails)", args, err)
		}
	}
}

// TestServeAndShutdown: the binary serves /healthz, /readyz and /metrics over
// TLS and returns nil once its context ends.
func TestServeAndShutdown(t *testing.T) {
	dir := t.TempDir()
	pair, err := testpki.Issue(&x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "webhook"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	crt, key, err := pair.Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	certPEM, kc := pair.CertPEM, filepath.Join(dir, "kubeconfig")
	kubeconfig := "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\n" +
		"users: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n"
	if err := os.WriteFile(kc, []byte(kubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-listen=" + addr, "-tls-cert-file=" + crt, "-tls-key-file=" + key, "-kubeconfig=" + kc, "-allow-registry=registry.example.com",
			"-leader-elect-resource-namespace=default"}) // the election against an API server that is down does not hold up serving or shutdown
	}()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	hc := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	deadline := time.Now().Add(10 * time.Second)
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		for {
			resp, err := hc.Get("https://" + addr + path)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("%s: %s", path, resp.Status)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %v", path, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("after shutdown: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no shutdown within 20s")
	}
}
