package target

import (
	"errors"
	"fmt"
	"net/http"

	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/errcode"
)

const loginHint = "log in with `docker login`/`oras login`, or pass --registry-username with --registry-password-stdin (or --registry-token-stdin)"

// Explain turns a registry's refusal into a message that says who refused
// and what to do; other errors pass through.
func Explain(img *Image, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, auth.ErrBasicCredentialNotFound) {
		return fmt.Errorf("%s wants credentials and none were found for it: %s: %w", img.Location, loginHint, err)
	}
	var resp *errcode.ErrorResponse
	if errors.As(err, &resp) && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden) {
		return fmt.Errorf("%s refused access (%d %s): %s: %w", img.Location, resp.StatusCode, http.StatusText(resp.StatusCode), loginHint, err)
	}
	return err
}
