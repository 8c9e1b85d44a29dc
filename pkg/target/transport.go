package target

import (
	"net/http"
	"strings"
)

// isProxy is containerd's RegistryHost.isProxy: an endpoint other than the
// registry itself (docker.io's is registry-1.docker.io) gets ?ns=<registry>.
func isProxy(host, registry string) bool {
	return host != registry && !(registry == "docker.io" && host == "registry-1.docker.io")
}

// hostTransport maps what oras-go cannot say itself: oras-go always asks
// for /v2/..., containerd hosts may live under another path (a server URL
// with a path, or override_path); hosts.toml headers; the ns query of
// mirrors. Only requests to the endpoint's own host are changed (token
// servers are left alone).
type hostTransport struct {
	base   http.RoundTripper
	host   string
	path   string
	header http.Header
	ns     string
}

func (t *hostTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != t.host {
		return t.base.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	if t.path != "/v2" && (r.URL.Path == "/v2" || strings.HasPrefix(r.URL.Path, "/v2/")) {
		r.URL.Path = strings.TrimSuffix(t.path, "/") + strings.TrimPrefix(r.URL.Path, "/v2")
		r.URL.RawPath = ""
	}
	for k, vs := range t.header {
		if r.Header.Get(k) == "" {
			r.Header[k] = vs
		}
	}
	if t.ns != "" && r.URL.Path != "/v2/" && r.URL.Path != strings.TrimSuffix(t.path, "/")+"/" {
		q := r.URL.Query()
		q.Set("ns", t.ns)
		r.URL.RawQuery = q.Encode()
	}
	resp, err := t.base.RoundTrip(r)
	if resp != nil {
		// Answer for the request oras-go made: our rewrites, and
		// containerd's HTTPS-to-HTTP fallback for hosts it configures so
		// (localhost, http:// servers with TLS settings), must not look
		// like a redirect to another origin, or oras-go would not answer a
		// 401 with credentials where containerd would.
		resp.Request = req
	}
	return resp, err
}
