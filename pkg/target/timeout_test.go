package target

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestGaveUp: a timeout says whether it was the registry or local work, and
// keeps the stage the inner error names.
func TestGaveUp(t *testing.T) {
	registry := fmt.Errorf("resolve x: %w", &url.Error{Op: "Get", URL: "https://r.example/v2/", Err: context.DeadlineExceeded})
	local := fmt.Errorf("evaluate set #0 rule r: %w", context.DeadlineExceeded)
	for _, tc := range []struct {
		err        error
		want, nots string
	}{
		{registry, "waiting for the registry", "local work"},
		{local, "in local work, not waiting for a registry", "raise it if the registry"},
	} {
		err := GaveUp(2*time.Second, tc.err)
		if msg := err.Error(); !strings.Contains(msg, "--timeout 2s") || !strings.Contains(msg, tc.want) || strings.Contains(msg, tc.nots) || !strings.Contains(msg, tc.err.Error()) {
			t.Errorf("GaveUp(%v) = %s", tc.err, msg)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("GaveUp(%v) lost the deadline", tc.err)
		}
	}
}
