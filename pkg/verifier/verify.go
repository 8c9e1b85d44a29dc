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
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// Verify decides whether the image name, resolved to desc, may be pulled on
// this host. Registry failures, timeouts and bad artifacts are not errors:
// the policy's on_error decides them. The error is non-nil only when ctx
// ended before a decision (the caller gave up on the pull).
func (v *Verifier) Verify(ctx context.Context, name string, desc ocispec.Descriptor) (Judgement, error) {
	o, err := v.Check(ctx, name, desc)
	if err != nil && ctx.Err() != nil {
		return Judgement{}, fmt.Errorf("nfd-compat: %s: caller gave up before a decision: %w", name, ctx.Err())
	}
	return o.Judgement(), nil
}

// Check is Verify with the full outcome: the report, the verdict, the
// decision and what it cost. It always returns an outcome (with its
// decision logged and audited); the error is the outcome's Err when the
// verdict is error.
func (v *Verifier) Check(ctx context.Context, name string, desc ocispec.Descriptor) (*Outcome, error) {
	start := time.Now()
	o := &Outcome{Image: name, Normalized: target.Normalize(name), Digest: desc.Digest.String()}
	if ok, why := v.pol.Checked(name); !ok {
		o.Verdict, o.Why = policy.Skipped, why
	} else if err := v.pol.Invalid(); err != nil && v.pol.Mode == policy.ModeEnforce {
		// Refused whatever the check finds (Decide): spare the registry.
		o.Verdict, o.Err = policy.Error, err
	} else {
		v.checkWithin(ctx, o, desc)
	}
	o.Decision = v.pol.Decide(o.Verdict)
	o.Duration = time.Since(start)
	o.Reason = o.reason()
	v.record(o)
	if o.Verdict == policy.Error {
		return o, o.Err
	}
	return o, nil
}

// checkWithin runs the check under the policy timeout. The check runs in
// its own goroutine so that nothing (a registry that stops answering, a
// slow feature source) can hold the decision past the timeout; a check
// still running then ends with its context.
func (v *Verifier) checkWithin(ctx context.Context, o *Outcome, desc ocispec.Descriptor) {
	timeout := v.pol.Timeout.Std()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	type result struct {
		r   checked
		err error
	}
	done := make(chan result, 1)
	go func() {
		r, err := v.check(ctx, o.Normalized, desc)
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
}

// timeoutGrace is how long a timed-out check may take to report its error.
const timeoutGrace = 50 * time.Millisecond

type checked struct {
	artifact, subject string
	report            *compat.Report
}

// check finds, fetches and evaluates the artifact of desc. name is the
// normalized reference; its tag is never resolved.
func (v *Verifier) check(ctx context.Context, name string, desc ocispec.Descriptor) (checked, error) {
	var c checked
	if err := desc.Digest.Validate(); err != nil {
		return c, fmt.Errorf("descriptor of %s has no valid digest (%q): %w", name, desc.Digest, err)
	}
	img, err := target.Open(ctx, name, v.opts.Target)
	if err != nil {
		return c, err
	}
	// desc, not the tag: what containerd resolved is what is judged.
	l, err := artifact.Load(ctx, img, artifact.LoadOptions{Root: desc, Platform: v.opts.Platform, Cache: v.blobs, Log: v.log})
	c.artifact, c.subject = l.Descriptor.Digest.String(), l.Subject.Digest.String()
	if err != nil {
		return c, err
	}
	s := l.Spec
	f, err := v.hostFeatures(ctx, s)
	if err != nil {
		return c, err
	}
	c.report, err = compat.Evaluate(s, f, compat.Options{Tags: v.pol.Tags})
	return c, err
}
