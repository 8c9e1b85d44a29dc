package metrics

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"

	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry/remote/errcode"
)

// Registry error kinds, the values of nfd_compat_registry_errors_total's
// kind label.
const (
	KindAuth      = "auth"       // 401, 403
	KindNotFound  = "not_found"  // 404
	KindTimeout   = "timeout"    // the policy timeout, or a network timeout
	KindStatus429 = "status_429" // rate limited
	KindStatus5xx = "status_5xx" // the registry failed
	KindNetwork   = "network"    // DNS, connection, TLS
	KindOther     = "other"      // any other registry answer
)

// RegistryErrorKinds are all kinds, in exposition order.
var RegistryErrorKinds = []string{KindAuth, KindNotFound, KindTimeout, KindStatus429, KindStatus5xx, KindNetwork, KindOther}

// RegistryErrorKind classifies err; false when err is not a registry
// failure (a bad spec, feature discovery).
func RegistryErrorKind(err error) (string, bool) {
	if err == nil {
		return "", false
	}
	var resp *errcode.ErrorResponse
	if errors.As(err, &resp) {
		switch s := resp.StatusCode; {
		case s == http.StatusUnauthorized || s == http.StatusForbidden:
			return KindAuth, true
		case s == http.StatusNotFound:
			return KindNotFound, true
		case s == http.StatusTooManyRequests:
			return KindStatus429, true
		case s >= 500:
			return KindStatus5xx, true
		}
		return KindOther, true
	}
	if errors.Is(err, errdef.ErrNotFound) { // oras-go's for a 404 on a manifest
		return KindNotFound, true
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return KindTimeout, true
	}
	var nerr net.Error
	if errors.As(err, &nerr) && nerr.Timeout() {
		return KindTimeout, true
	}
	var uerr *url.Error
	var operr *net.OpError
	var dnserr *net.DNSError
	if errors.As(err, &uerr) || errors.As(err, &operr) || errors.As(err, &dnserr) {
		return KindNetwork, true
	}
	return "", false
}
