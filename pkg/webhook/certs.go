package webhook

import (
	"crypto/tls"
	"fmt"
	"os"
	"sync"
)

// CertReloader serves a certificate and key from files and reads them
// again when either file's modification time or size changes (as
// cert-manager or a kubelet-projected Secret rotates them). A failed
// reload keeps serving the previous pair.
type CertReloader struct {
	certFile, keyFile string

	mu    sync.Mutex
	cert  *tls.Certificate
	stamp string
}

// NewCertReloader loads the pair once and fails when it cannot.
func NewCertReloader(certFile, keyFile string) (*CertReloader, error) {
	c := &CertReloader{certFile: certFile, keyFile: keyFile}
	if _, err := c.GetCertificate(nil); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *CertReloader) fileStamp() (string, error) {
	s := ""
	for _, f := range []string{c.certFile, c.keyFile} {
		fi, err := os.Stat(f)
		if err != nil {
			return "", fmt.Errorf("TLS certificate file: %w", err)
		}
		s += fmt.Sprintf("%s:%d:%d;", f, fi.ModTime().UnixNano(), fi.Size())
	}
	return s, nil
}

// GetCertificate is a tls.Config.GetCertificate.
func (c *CertReloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	stamp, err := c.fileStamp()
	if err == nil && stamp != c.stamp {
		var pair tls.Certificate
		pair, err = tls.LoadX509KeyPair(c.certFile, c.keyFile)
		if err == nil {
			c.cert, c.stamp = &pair, stamp
			return c.cert, nil
		}
		err = fmt.Errorf("load TLS certificate %s and key %s: %w", c.certFile, c.keyFile, err)
	}
	if c.cert == nil {
		return nil, err
	}
	return c.cert, nil
}

// TLSConfig is a server configuration serving the reloaded pair, TLS 1.2 or later.
func (c *CertReloader) TLSConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: c.GetCertificate}
}
