package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"oras.land/oras-go/v2/registry/remote"
)

// resolveErr is the error a real oras-go request gets from a registry
// answering status.
func resolveErr(t *testing.T, status int) error {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	repo, err := remote.NewRepository(strings.TrimPrefix(srv.URL, "http://") + "/app")
	if err != nil {
		t.Fatal(err)
	}
	repo.PlainHTTP = true
	repo.Client = &http.Client{} // no retries of 429 and 5xx
	_, err = repo.Resolve(context.Background(), "v1")
	if err == nil {
		t.Fatalf("status %d: no error", status)
	}
	return fmt.Errorf("fetch referrers: %w", err)
}

func TestRegistryErrorKind(t *testing.T) {
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := closed.Addr().String()
	closed.Close()
	repo, _ := remote.NewRepository(addr + "/app")
	repo.PlainHTTP = true
	repo.Client = &http.Client{}
	_, dialErr := repo.Resolve(context.Background(), "v1")
	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	<-ctx.Done()
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"401", resolveErr(t, http.StatusUnauthorized), KindAuth},
		{"403", resolveErr(t, http.StatusForbidden), KindAuth},
		{"404", resolveErr(t, http.StatusNotFound), KindNotFound},
		{"429", resolveErr(t, http.StatusTooManyRequests), KindStatus429},
		{"503", resolveErr(t, http.StatusServiceUnavailable), KindStatus5xx},
		{"400", resolveErr(t, http.StatusBadRequest), KindOther},
		{"connection refused", dialErr, KindNetwork},
		{"policy timeout", fmt.Errorf("gave up after timeout 2s: %w", ctx.Err()), KindTimeout},
		{"bad spec", errors.New("spec: invalid"), ""},
		{"nil", nil, ""},
	} {
		got, ok := RegistryErrorKind(c.err)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("%s: kind %q %v, want %q (err %v)", c.name, got, ok, c.want, c.err)
		}
	}
}

func TestErrorVerdictOnlyCountsRegistryErrors(t *testing.T) {
	s := NewSet()
	s.ObserveDecision(Decision{Verdict: "error", Err: resolveErr(t, http.StatusBadGateway)})
	s.ObserveDecision(Decision{Verdict: "error", Err: errors.New("spec: invalid")})
	s.ObserveDecision(Decision{Verdict: "missing", Err: resolveErr(t, http.StatusNotFound)})
	got := s.Snapshot().RegistryErrors
	if got[KindStatus5xx] != 1 || got[KindNotFound] != 0 || got[KindOther] != 0 {
		t.Fatalf("registry errors %v", got)
	}
}
