package verifier

import (
	"context"
	"errors"
	"fmt"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/compat"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
	"github.com/nfd-compat/nfd-compat/pkg/safetext"
	"github.com/nfd-compat/nfd-compat/pkg/spec"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// Judge is containerd's answer: whether the image name, resolved to desc,
// may be pulled on this host. Registry failures, timeouts and bad artifacts
// are not errors: the policy's on_error decides them. The error is non-nil
// only when ctx ended before a decision (the caller gave up on the pull).
func (v *Verifier) Judge(ctx context.Context, name string, desc ocispec.Descriptor) (Judgement, error) {
	o := v.Decide(ctx, name, desc)
	if o.Verdict == policy.Error && ctx.Err() != nil {
		return Judgement{}, fmt.Errorf("nfd-compat: %s: caller gave up before a decision: %w", name, ctx.Err())
	}
	return o.Judgement(), nil
}

// Decide is Judge with the full outcome: the report, the verdict, the
// decision and what it cost, for callers that print the report (pull,
// check-images). It always returns an outcome, its decision logged and
// audited; why a check failed is the outcome's Err (verdict error, or
// missing when the tags left no set), never a separate error.
func (v *Verifier) Decide(ctx context.Context, name string, desc ocispec.Descriptor) *Outcome {
	start := time.Now()
	o := &Outcome{Image: name, Normalized: target.Normalize(name), Digest: desc.Digest.String()}
	if ok, why := v.pol.Checked(name); !ok {
		o.Verdict, o.Why = policy.Skipped, why
	} else if err := v.pol.Invalid(); err != nil && v.pol.Mode == policy.ModeEnforce {
		// Refused whatever evaluate would find (policy.Decide): spare the registry.
		o.Verdict, o.Err = policy.Error, err
	} else {
		v.runBounded(ctx, o, desc)
	}
	o.Decision = v.pol.Decide(o.Verdict)
	o.Duration = time.Since(start)
	o.Reason = o.reason()
	v.record(ctx, o)
	return o
}

// runBounded runs evaluate under the policy timeout and turns its result
// into the outcome's verdict. evaluate runs in its own goroutine so that
// nothing (a registry that stops answering, a slow feature source) can
// hold the decision past the timeout; every stage of it (requests,
// parsing, validation, discovery, evaluation) observes the context, so an
// evaluate still running then stops within milliseconds rather than being
// abandoned.
func (v *Verifier) runBounded(parent context.Context, o *Outcome, desc ocispec.Descriptor) {
	timeout := v.pol.Timeout.Std()
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	type result struct {
		r   evaluation
		err error
	}
	done := make(chan result, 1)
	go func() {
		r, err := v.evaluate(ctx, o.Normalized, desc)
		if err != nil && r.ours && !r.remembered && v.remember(parent, ctx, err) {
			v.failed.put(r.artifact, err)
		}
		done <- result{r, err}
	}()
	var res result
	select {
	case res = <-done:
	case <-ctx.Done():
		// Give the check a moment to say what it was waiting for (its
		// requests end with ctx), without holding the decision longer.
		select {
		case res = <-done:
		case <-time.After(timeoutGrace):
			res.err = ctx.Err()
		}
	}
	o.Artifact, o.Subject, o.Report = res.r.artifact, res.r.subject, res.r.report
	switch err := res.err; {
	case err == nil && o.Report.Compatible:
		o.Verdict = policy.Compatible
	case err == nil:
		o.Verdict = policy.Incompatible
		o.Failed = failures(o.Report)
	case errors.Is(err, artifact.ErrNoArtifact):
		o.Verdict = policy.Missing
	case errors.Is(err, compat.ErrNoApplicableSet):
		o.Verdict, o.Err = policy.Missing, err
	case ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		o.Verdict, o.Err = policy.Error, fmt.Errorf("gave up after timeout %s: %w", timeout, err)
	default:
		o.Verdict, o.Err = policy.Error, err
	}
	// A registry's error body may echo the request's credentials.
	o.Err = safetext.RedactError(o.Err)
}

// timeoutGrace is how long a timed-out check may take to report its error.
const timeoutGrace = 50 * time.Millisecond

// evaluation is what evaluate found: the artifact used, its subject and
// the report, and whether a failure is the artifact's own.
type evaluation struct {
	artifact, subject string
	report            *compat.Report
	// remembered is set when the error is a remembered failure.
	remembered bool
	// ours is set once the failure can be the artifact's: it was invalid,
	// or the work on its spec failed.
	ours bool
}

// remember says whether the failure err of an artifact's check is the
// artifact's, to be remembered: an invalid artifact, an invalid or too
// costly spec, or a parse or evaluation that ran out of the policy's time.
// Not a registry failure, nor when the caller gave up (containerd cancelled
// the pull), all check slots were busy or this host could not discover its
// features.
func (v *Verifier) remember(parent, ctx context.Context, err error) bool {
	switch {
	case parent.Err() != nil, errors.Is(err, errDiscover), errors.Is(err, errBusy):
		return false
	case errors.Is(err, artifact.ErrNoArtifact), errors.Is(err, compat.ErrNoApplicableSet):
		return false
	case errors.Is(err, spec.ErrInvalid), errors.Is(err, compat.ErrTooCostly), errors.Is(err, artifact.ErrInvalidArtifact):
		return true
	}
	return ctx.Err() != nil
}

// errDiscover marks a failure of this host's feature discovery.
var errDiscover = errors.New("discover this host's features")

// errBusy marks a check that timed out waiting for a slot.
var errBusy = errors.New("waiting for a free check slot")

// evaluate finds, fetches and evaluates the artifact of desc on this
// host's features. name is the normalized reference; its tag is never
// resolved.
func (v *Verifier) evaluate(ctx context.Context, name string, desc ocispec.Descriptor) (evaluation, error) {
	var c evaluation
	if err := desc.Digest.Validate(); err != nil {
		return c, fmt.Errorf("descriptor of %s has no valid digest (%q): %w", name, desc.Digest, err)
	}
	img, err := v.open(ctx, name)
	if err != nil {
		return c, err
	}
	// desc, not the tag: what containerd resolved is what is judged. Raw:
	// the spec is parsed below, under a check slot.
	l, err := artifact.Load(ctx, img, artifact.LoadOptions{Root: desc, Platform: v.opts.Platform, Cache: v.blobs, Log: v.logFor(ctx), Raw: true,
		Referrers: v.registries, ReferrerLists: v.lists,
		Reopen: func(ctx context.Context) (*target.Image, error) { return target.Open(ctx, name, v.opts.Target) }})
	c.artifact, c.subject = l.Descriptor.Digest.String(), l.Subject.Digest.String()
	if err == nil || errors.Is(err, artifact.ErrNoArtifact) {
		v.keep(img)
	}
	if err != nil {
		c.ours = errors.Is(err, artifact.ErrInvalidArtifact)
		return c, err
	}
	if err, at := v.failed.get(c.artifact); err != nil {
		c.remembered = true
		return c, fmt.Errorf("artifact %s failed %s ago and is not checked again for %s: %w",
			c.artifact, time.Since(at).Round(time.Second), FailureTTL, err)
	}
	c.ours = true
	// Parsing and evaluating use CPU: a bounded number run at once.
	select {
	case v.slots <- struct{}{}:
		defer func() { <-v.slots }()
	case <-ctx.Done():
		return c, fmt.Errorf("%w (%d checks run at once): %w", errBusy, cap(v.slots), ctx.Err())
	}
	s := v.specs.get(c.artifact)
	if s == nil {
		if s, _, err = spec.ParseContext(ctx, l.Artifact.Spec); err != nil {
			return c, fmt.Errorf("artifact %s: %w", c.artifact, err)
		}
		v.specs.put(c.artifact, s, len(l.Artifact.Spec))
	}
	f, err := v.hostFeatures(ctx, s)
	if err != nil {
		return c, err
	}
	c.report, err = compat.EvaluateContext(ctx, s, f, compat.Options{Tags: v.pol.Tags})
	if err != nil {
		return c, fmt.Errorf("artifact %s: %w", c.artifact, err)
	}
	return c, nil
}
