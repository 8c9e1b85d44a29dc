package imageverifier

import (
	"context"
	"os"

	ctdverifier "github.com/containerd/containerd/v2/pkg/imageverifier"
	"github.com/containerd/log"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/nfd-compat/nfd-compat/pkg/policy"
	"github.com/nfd-compat/nfd-compat/pkg/target"
	"github.com/nfd-compat/nfd-compat/pkg/verifier"
)

// imageVerifier adapts pkg/verifier to containerd's ImageVerifier.
type imageVerifier struct {
	v *verifier.Verifier
	// invalid is set when the policy did not validate: every pull is then
	// refused with it as the reason, as the bindir executable does, rather
	// than the plugin failing to load and pulls going unchecked.
	invalid error
}

var _ ctdverifier.ImageVerifier = (*imageVerifier)(nil)

func newVerifier(ctx context.Context, pol *policy.Policy) *imageVerifier {
	l := log.G(ctx).WithField("verifier", ID)
	v, err := verifier.New(verifier.Options{
		Policy: pol,
		Log:    l,
		Target: target.Options{DockerConfig: verifier.DockerConfigPath(os.Getenv)},
	})
	if err != nil {
		l.WithError(err).Error("nfd-compat: invalid policy; every pull will be refused until it is fixed")
		return &imageVerifier{invalid: err}
	}
	return &imageVerifier{v: v}
}

// VerifyImage implements containerd's ImageVerifier.
func (iv *imageVerifier) VerifyImage(ctx context.Context, name string, desc ocispec.Descriptor) (*ctdverifier.Judgement, error) {
	if iv.invalid != nil {
		return &ctdverifier.Judgement{OK: false, Reason: "nfd-compat: " + iv.invalid.Error()}, nil
	}
	j, err := iv.v.Verify(ctx, name, desc)
	if err != nil {
		return nil, err
	}
	return &ctdverifier.Judgement{OK: j.OK, Reason: j.Reason}, nil
}
