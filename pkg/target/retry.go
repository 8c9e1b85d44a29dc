package target

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"oras.land/oras-go/v2/registry/remote/retry"

	"github.com/nfd-compat/nfd-compat/pkg/safetext"
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
		// http.Client adds the method and URL.
		return nil, fmt.Errorf("%w: last answer %d %s, retried until %w", ErrRegistryStatus, status, http.StatusText(status), err)
	}
	return nil, err
}

type recordTransport struct{ base http.RoundTripper }

func (t *recordTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if resp == nil {
		return resp, err
	}
	if la, ok := req.Context().Value(lastAnswerKey{}).(*lastAnswer); ok {
		la.mu.Lock()
		la.status = resp.StatusCode
		la.mu.Unlock()
	}
	limitReferrers(req, resp)
	if a := req.Header.Get("Authorization"); a != "" && resp.StatusCode >= 400 {
		resp.Body = scrubBody(resp.Body, a)
	}
	return resp, err
}

// maxScrubbed is how much of an error body is read to scrub it; oras-go
// reads at most 8 KiB of one.
const maxScrubbed = 64 << 10

// scrubBody removes from an error body the credentials this request sent:
// the Authorization header value, its credential, and for Basic the decoded
// user:password and the password. A registry that echoes them (in a message
// or a detail) then cannot get them into an error text, a log line or the
// audit log.
func scrubBody(body io.ReadCloser, authorization string) io.ReadCloser {
	b, err := io.ReadAll(io.LimitReader(body, maxScrubbed))
	rest := io.Reader(body)
	if err != nil {
		rest = errReader{err}
	}
	for _, s := range sentSecrets(authorization) {
		b = bytes.ReplaceAll(b, []byte(s), []byte(safetext.Redacted))
	}
	return struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(b), rest), body}
}

// sentSecrets lists the forms of an Authorization value's secret, longest
// first so that a shorter form never splits a longer one.
func sentSecrets(authorization string) []string {
	out := []string{authorization}
	scheme, cred, ok := strings.Cut(authorization, " ")
	if !ok || cred == "" {
		return out
	}
	out = append(out, cred)
	if strings.EqualFold(scheme, "basic") {
		if dec, err := base64.StdEncoding.DecodeString(cred); err == nil {
			out = append(out, string(dec))
			if _, pw, ok := strings.Cut(string(dec), ":"); ok && len(pw) >= 4 {
				out = append(out, pw)
			}
		}
	}
	return out
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }
