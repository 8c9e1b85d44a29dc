package target

import (
	"errors"
	"fmt"
	"net/http"

	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/errcode"

	"github.com/nfd-compat/nfd-compat/pkg/output"
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
	if errors.Is(err, auth.ErrBasicCredentialNotFound) {
		return output.RedactError(fmt.Errorf("%s wants credentials and none were found for it: %s: %w", img.Location, loginHint, err))
	}
	var resp *errcode.ErrorResponse
	if errors.As(err, &resp) && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden) {
		return output.RedactError(fmt.Errorf("%s refused access (%d %s): %s: %w", img.Location, resp.StatusCode, http.StatusText(resp.StatusCode), loginHint, err))
	}
	return output.RedactError(err)
}
