package webhook

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nfd-compat/nfd-compat/internal/testpki"
)

func writePair(t *testing.T, dir, cn string, mtime time.Time) {
	t.Helper()
	pair, err := testpki.Issue(&x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	crt, key, err := pair.Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{crt, key} {
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
}

func servedCN(t *testing.T, c *CertReloader) string {
	t.Helper()
	cert, err := c.GetCertificate(nil)
	if err != nil {
		t.Fatal(err)
	}
	x, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	return x.Subject.CommonName
}

// TestCertReload: a rotated pair is served from the next handshake on; a
// broken rotation keeps the last good pair; no pair at start is an error.
func TestCertReload(t *testing.T) {
	dir := t.TempDir()
	crt, key := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if _, err := NewCertReloader(crt, key); err == nil {
		t.Fatal("no files: want an error")
	}
	t0 := time.Now().Add(-time.Minute)
	writePair(t, dir, "first", t0)
	c, err := NewCertReloader(crt, key)
	if err != nil {
		t.Fatal(err)
	}
	if cn := servedCN(t, c); cn != "first" {
		t.Fatalf("served %q", cn)
	}
	writePair(t, dir, "second", t0.Add(time.Second))
	if cn := servedCN(t, c); cn != "second" {
		t.Fatalf("after rotation served %q, want second", cn)
	}
	if err := os.WriteFile(key, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if cn := servedCN(t, c); cn != "second" {
		t.Fatalf("after a broken rotation served %q, want the last good pair", cn)
	}
}
