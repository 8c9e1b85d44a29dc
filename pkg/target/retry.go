package target

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"oras.land/oras-go/v2/registry/remote/retry"
)

// ErrRegistryStatus is matched by errors.Is when retries of a request that
// the registry kept answering with 429 or 5xx ran out of time: the error says
// the last status instead of only "context deadline exceeded".
var ErrRegistryStatus = errors.New("registry kept failing the request")

// retryingTransport is oras-go's retry transport (5 retries with backoff on
// 429, 5xx and network errors) that remembers the last answer of each
// request. oras-go's transport returns ctx.Err() alone when the context ends
// during a backoff wait, which hides that the registry answered at all.
func retryingTransport(base http.RoundTripper) http.RoundTripper {
	return &statusTransport{retry: retry.NewTransport(&recordTransport{base: base})}
}

type lastAnswerKey struct{}

// lastAnswer is the status of a request's latest attempt.
type lastAnswer struct {
	mu     sync.Mutex
	status int
}

type statusTransport struct{ retry http.RoundTripper }

func (t *statusTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	la := &lastAnswer{}
	resp, err := t.retry.RoundTrip(req.WithContext(context.WithValue(req.Context(), lastAnswerKey{}, la)))
	if err == nil {
		return resp, nil
	}
	la.mu.Lock()
	status := la.status
	la.mu.Unlock()
	if status == http.StatusTooManyRequests || status >= 500 {
		return nil, fmt.Errorf("%s %s: %w: last answer %d %s, retried until %w",
			req.Method, req.URL.Redacted(), ErrRegistryStatus, status, http.StatusText(status), err)
	}
	return nil, err
}

type recordTransport struct{ base http.RoundTripper }

func (t *recordTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if la, ok := req.Context().Value(lastAnswerKey{}).(*lastAnswer); ok && resp != nil {
		la.mu.Lock()
		la.status = resp.StatusCode
		la.mu.Unlock()
	}
	return resp, err
}
