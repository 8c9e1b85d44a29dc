package verifier

import (
	"errors"

	"github.com/sirupsen/logrus"

	"github.com/nfd-compat/nfd-compat/pkg/policy"
)

// LogPolicyProblems logs what policy.Load found: unknown keys as warnings,
// bad values as an error saying what the verifier does about them. The
// bindir executable and the in-process plugin log the same lines.
func LogPolicyProblems(l logrus.FieldLogger, src *policy.Source, err error) {
	if src != nil {
		for _, w := range src.Warnings {
			l.Warn("nfd-compat: " + w)
		}
	}
	if errors.Is(err, policy.ErrInvalid) {
		l.WithError(err).Error("nfd-compat: invalid policy, bad keys at their defaults: in enforce mode every checked pull is refused, in warn mode pulls are only warned about; excluded images always pass (fix it; `nfd-compat doctor` checks it)")
	}
}
