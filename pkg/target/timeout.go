package target

import (
	"errors"
	"fmt"
	"net/url"
	"time"
)

// GaveUp words a command that ran out of its --timeout: whether it was
// waiting for a registry (a request was cut, or the registry kept answering
// 429/5xx) or doing local work (parsing, feature discovery, evaluation),
// whose stage the wrapped error names.
func GaveUp(timeout time.Duration, err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) || errors.Is(err, ErrRegistryStatus) {
		return fmt.Errorf("gave up after --timeout %s waiting for the registry (raise it if the registry is just slow): %w", timeout, err)
	}
	return fmt.Errorf("gave up after --timeout %s in local work, not waiting for a registry (the error says which stage; a spec this slow to check is suspect): %w", timeout, err)
}
