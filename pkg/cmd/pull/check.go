package pull

import (
	"context"
	"fmt"
	"io"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sirupsen/logrus"

	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/compat"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
	"github.com/nfd-compat/nfd-compat/pkg/target"
	"github.com/nfd-compat/nfd-compat/pkg/verifier"
)

// check runs pkg/verifier's check on the resolved descriptor, as
// containerd's verifiers will, with the registry options that resolved it.
func check(ctx context.Context, opts Options, name string, topts target.Options, desc ocispec.Descriptor) (*verifier.Outcome, error) {
	v, err := verifier.New(verifier.Options{
		Policy:   opts.Check.Policy,
		Target:   topts,
		Platform: opts.Platform,
		Discover: opts.Check.Discover,
		Log:      decisionLog(opts.Check.Log),
		// The daemon's verifier keeps the node's audit log; a pull run by
		// hand must not need write access to it.
		Audit: io.Discard,
	})
	if err != nil {
		return nil, err
	}
	return v.Decide(ctx, name, desc), nil
}

// refusal is the error for a pull the policy refused, wrapping what
// decides the exit code: 1 incompatible, 3 no artifact, 2 error.
func refusal(o *verifier.Outcome) error {
	switch o.Verdict {
	case policy.Incompatible:
		return fmt.Errorf("pull refused: %s: %w", o.Reason, compat.ErrIncompatible)
	case policy.Missing:
		if o.Err != nil {
			return fmt.Errorf("pull refused: %s: %w", o.Reason, o.Err)
		}
		return fmt.Errorf("pull refused: %s: %w", o.Reason, artifact.ErrNoArtifact)
	}
	if o.Err != nil {
		return fmt.Errorf("pull refused: %s: %w", o.Reason, o.Err)
	}
	return fmt.Errorf("pull refused: %s", o.Reason)
}

func decisionLog(l logrus.FieldLogger) logrus.FieldLogger {
	if l != nil {
		return l
	}
	d := logrus.New()
	d.SetOutput(io.Discard)
	return d
}
