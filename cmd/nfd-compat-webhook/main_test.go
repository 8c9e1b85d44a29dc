package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
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
	} {
		err := run(context.Background(), strings.Fields(args))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", args, err, want)
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
		done <- run(ctx, []string{"-listen=" + addr, "-tls-cert-file=" + crt, "-tls-key-file=" + key, "-kubeconfig=" + kc, "-allow-registry=registry.example.com"})
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
