package target

import (
	"errors"
	"fmt"
	"net/http"

	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/errcode"

	"github.com/nfd-compat/nfd-compat/pkg/safetext"
)

const loginHint = "log in with `docker login`/`oras login`, or pass --registry-username with --registry-password-stdin (or --registry-token-stdin)"

// Explain turns a registry's refusal into a message that says who refused
// and what to do. Every error it returns has credentials redacted from its
// text (a registry may echo the Authorization header or a token in its
// error body) and still unwraps to the original for errors.Is/As.
func Explain(img *Image, err error) error {
	if err == nil {
		return nil
	}
	if _, done := err.(*explained); done {
		return err
	}
	var inner *explained
	switch {
	case errors.As(err, &inner):
		// Context added around an explained error: the hint is there already.
	case errors.Is(err, auth.ErrBasicCredentialNotFound):
		err = fmt.Errorf("%s wants credentials and none were found for it: %s: %w", img.Location, loginHint, err)
	default:
		var resp *errcode.ErrorResponse
		if errors.As(err, &resp) && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden) {
			err = fmt.Errorf("%s refused access (%d %s): %s: %w", img.Location, resp.StatusCode, http.StatusText(resp.StatusCode), loginHint, err)
		}
	}
	return &explained{safetext.RedactError(err)}
}

// explained marks an error Explain has worded, so that explaining it again
// adds nothing.
type explained struct{ error }

func (e *explained) Unwrap() error { return e.error }
