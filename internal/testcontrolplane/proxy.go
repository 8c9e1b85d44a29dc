package testcontrolplane

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
)

// Proxy is a TLS reverse proxy in front of the real API server that records
// request URIs and can inject faults the real server produces only at its
// own moment, such as a continue token expired by an etcd compaction in the
// middle of a paginated list.
type Proxy struct {
	srv *httptest.Server
	cp  *ControlPlane

	mu       sync.Mutex
	requests []string
	expire   int
}

// Proxy starts a proxy to the API server; it stops when the test ends.
func (cp *ControlPlane) Proxy(t testing.TB) *Proxy {
	t.Helper()
	target, err := url.Parse(cp.URL)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(cp.pki.caPEM)
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	p := &Proxy{cp: cp}
	p.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.requests = append(p.requests, r.URL.RequestURI())
		expired := p.expire > 0 && r.URL.Query().Get("continue") != ""
		if expired {
			p.expire--
		}
		p.mu.Unlock()
		if expired {
			// What kube-apiserver answers for a continue token older than
			// etcd's compacted revision.
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusGone)
			_ = json.NewEncoder(w).Encode(map[string]any{"apiVersion": "v1", "kind": "Status", "status": "Failure",
				"reason": "Expired", "code": http.StatusGone,
				"message": "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter."})
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// ExpireContinue makes the proxy answer the next n requests that carry a
// continue token with 410 Expired instead of forwarding them.
func (p *Proxy) ExpireContinue(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.expire = n
}

// Requests returns the request URIs seen so far.
func (p *Proxy) Requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.requests...)
}

// Kubeconfig writes a kubeconfig for user that goes through the proxy.
func (p *Proxy) Kubeconfig(t testing.TB, user string) string {
	t.Helper()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.srv.Certificate().Raw})
	return writeKubeconfig(t, p.srv.URL, ca, p.cp.tokens[user], user)
}
