package cli

import (
	"errors"

	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/compat"
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
  2  error: bad usage, invalid spec, registry or I/O failure
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
