package artifact

import (
	"errors"
	"fmt"
	"strings"

	"github.com/opencontainers/go-digest"
)

// ErrInvalidDigest means a digest (or digest prefix) the user gave is not
// one: a usage error, not a missing artifact.
var ErrInvalidDigest = errors.New("invalid digest")

// CheckDigestPrefix checks a --digest value: ALGORITHM:HEX with a known
// algorithm and lower-case hex digits, complete or a prefix of at least one
// digit ("sha256:1a2b" selects the artifact whose digest starts so).
func CheckDigestPrefix(s string) error {
	alg, hex, ok := strings.Cut(s, ":")
	if !ok {
		return fmt.Errorf("%w %q: write ALGORITHM:HEX, e.g. sha256:%s (a prefix of the hex is enough)", ErrInvalidDigest, s, exampleHex(s))
	}
	a := digest.Algorithm(alg)
	if !a.Available() {
		return fmt.Errorf("%w %q: unknown algorithm %q; use sha256 or sha512", ErrInvalidDigest, s, alg)
	}
	full := a.Size() * 2
	switch {
	case hex == "":
		return fmt.Errorf("%w %q: no hex digits after %s:", ErrInvalidDigest, s, alg)
	case len(hex) > full:
		return fmt.Errorf("%w %q: %d hex digits, %s has %d", ErrInvalidDigest, s, len(hex), alg, full)
	}
	for i, c := range hex {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return fmt.Errorf("%w %q: %q at position %d is not a lower-case hex digit", ErrInvalidDigest, s, c, len(alg)+1+i)
		}
	}
	return nil
}

func exampleHex(s string) string {
	if len(s) > 0 && len(s) <= 64 && strings.Trim(s, "0123456789abcdef") == "" {
		return s
	}
	return "1a2b"
}
