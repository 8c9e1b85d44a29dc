package imageverifier

import (
	"context"
	"os"

	ctdverifier "github.com/containerd/containerd/v2/pkg/imageverifier"
	"github.com/containerd/log"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/nfd-compat/nfd-compat/pkg/metrics"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
	"github.com/nfd-compat/nfd-compat/pkg/target"
	"github.com/nfd-compat/nfd-compat/pkg/verifier"
)

// imageVerifier adapts pkg/verifier to containerd's ImageVerifier.
type imageVerifier struct {
	v *verifier.Verifier
}

var _ ctdverifier.ImageVerifier = (*imageVerifier)(nil)

// newVerifier decodes the stanza containerd handed over. Unknown keys and
// bad values are logged as the bindir executable logs them, and an invalid
// policy is decided by policy.Decide's rule (enforce fails closed, excluded
// images and warn/off mode pass), never by the plugin failing to load.
// Every decision is told to obs (nil: none).
func newVerifier(ctx context.Context, stanza policy.Stanza, obs metrics.Observer) *imageVerifier {
	l := log.G(ctx).WithField("verifier", ID)
	pol, warnings, err := policy.Decode(stanza)
	verifier.LogPolicyProblems(l, &policy.Source{Warnings: warnings}, err)
	v, err := verifier.New(verifier.Options{
		Policy:   pol,
		Log:      l,
		Target:   target.Options{DockerConfig: verifier.DockerConfigPath(os.Getenv)},
		Observer: obs,
	})
	if err != nil {
		// Decode leaves no bad value behind, so this is a bug: say so on
		// every pull rather than leave pulls unchecked.
		l.WithError(err).Error("nfd-compat: cannot start the verifier; every pull will be refused")
		return &imageVerifier{}
	}
	return &imageVerifier{v: v}
}

// VerifyImage implements containerd's ImageVerifier.
func (iv *imageVerifier) VerifyImage(ctx context.Context, name string, desc ocispec.Descriptor) (*ctdverifier.Judgement, error) {
	if iv.v == nil {
		return &ctdverifier.Judgement{OK: false, Reason: "nfd-compat: the verifier did not start (see containerd's log)"}, nil
	}
	j, err := iv.v.Judge(ctx, name, desc)
	if err != nil {
		return nil, err
	}
	return &ctdverifier.Judgement{OK: j.OK, Reason: j.Reason}, nil
}
