package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/compat"
	"github.com/nfd-compat/nfd-compat/pkg/safetext"
)

// Exit codes, the contract documented in --help and the README.
const (
	ExitOK           = 0 // compatible / success
	ExitIncompatible = 1 // the image's requirements are not met
	ExitError        = 2 // usage, invalid spec, registry or I/O error
	ExitNoArtifact   = 3 // no compatibility artifact, or no set left after --tags
)

// exitCodesHelp is appended to the root command's help.
const exitCodesHelp = `Exit codes:
  0  success; for validate-node and pull: the image is compatible
  1  the image is incompatible with this host
  2  error: bad usage (a malformed --digest, a negative --timeout, a --cache-dir
     that is a file), invalid spec, registry or I/O failure
  3  the image has no compatibility artifact (or --tags left no set)
`

// ExitCode maps an error returned by a command to its exit code.
func ExitCode(err error) int {
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, compat.ErrIncompatible):
		return ExitIncompatible
	case errors.Is(err, artifact.ErrNoArtifact), errors.Is(err, compat.ErrNoApplicableSet):
		return ExitNoArtifact
	}
	return ExitError
}

// Exit prints a command's error to w, the last place it passes before a
// person reads it, and returns the exit code. Credentials are redacted and
// control characters escaped, whatever the error's origin (a registry's
// error body, a spec's rule name). An incompatible verdict is an answer,
// already printed, not an error.
func Exit(w io.Writer, err error) int {
	code := ExitCode(err)
	if err != nil && code != ExitIncompatible {
		fmt.Fprintln(w, "Error:", safetext.ErrorText(err))
	}
	return code
}
