package webhook

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/schedule"
	"github.com/nfd-compat/nfd-compat/pkg/target"
	compatv1alpha1 "sigs.k8s.io/node-feature-discovery/api/image-compatibility/v1alpha1"
)

// ErrNoSets is the answer for an image whose spec has no set left after
// the policy's tags; like no artifact at all, on_missing decides.
var ErrNoSets = errors.New("no compatibility set of the policy's tags")

// ErrRegistryNotAllowed is the answer for an image of a registry the
// webhook may not contact (Config.AllowedRegistries); on_error decides.
var ErrRegistryNotAllowed = errors.New("registry not in the webhook's allowed registries")

// placement is what an image's spec asks of nodes: the artifact and what
// schedule generates for it.
type placement struct {
	Artifact string
	Result   *schedule.Result
}

// missing reports whether err means "this image has no spec" (on_missing)
// rather than "the check could not finish" (on_error).
func missing(err error) bool {
	return errors.Is(err, artifact.ErrNoArtifact) || errors.Is(err, ErrNoSets) || errors.Is(err, ErrNoPlatform)
}

// lookup returns the answer for an image, cached by reference: one
// resolve, referrers listing and fetch per image (per platform of an
// index) per TTL, whatever the number of pods; answers "no spec" are
// cached too.
//
// With a pull secret's credentials (identity names the secret's version),
// the answer is cached for that secret only: a pod without it never gets
// an answer its credentials were needed for.
//
// A registry host that did not answer one image's lookup is not asked for
// another's until the error TTL has passed (breaker).
func (w *Webhook) lookup(ctx context.Context, ref, host string, creds *target.Credentials, identity string) (*answer, bool, error) {
	key := ref
	if identity != "" {
		key += "\x00" + identity
	}
	a, hit, err := w.images.Get(ctx, key, func(ctx context.Context) (*answer, error) {
		if err := w.down.allow(host); err != nil {
			w.downAnswers.Add(1)
			return nil, err
		}
		w.registryLookups.Add(1)
		ctx, cancel := context.WithTimeout(ctx, w.cfg.Policy.Timeout.Std())
		defer cancel()
		a, err := w.load(ctx, ref, creds)
		w.down.record(host, err)
		return a, err
	}, missing)
	if err != nil && ctx.Err() != nil && errors.Is(err, context.DeadlineExceeded) {
		// This pod's decision timed out before the lookup ended (a black
		// hole): the next image of the host must not wait for the fill's
		// own timeout to learn it.
		w.down.record(host, err)
	}
	return a, hit, err
}

// load resolves the image once; a single manifest is placed by its spec,
// an index by each linux platform's (loadIndex).
func (w *Webhook) load(ctx context.Context, ref string, creds *target.Credentials) (*answer, error) {
	opts := w.cfg.Target
	if creds != nil {
		opts.Credentials = creds
	}
	img, err := target.Open(ctx, ref, opts)
	if err != nil {
		return nil, err
	}
	// SubjectOnly without a platform: the resolve alone, the index not
	// read yet.
	r, err := artifact.Resolve(ctx, img, artifact.LoadOptions{SubjectOnly: true, Log: w.cfg.Log})
	if err != nil {
		return nil, err
	}
	if !r.IsIndex() {
		p, err := w.place(ctx, r, nil, ref)
		if err != nil {
			return nil, err
		}
		return &answer{Single: p}, nil
	}
	return w.loadIndex(ctx, r, ref)
}

// place loads the artifact of one platform (nil: a single manifest) of a
// resolved image and generates its rule and affinity.
func (w *Webhook) place(ctx context.Context, r *artifact.Resolved, platform *ocispec.Platform, ref string) (*placement, error) {
	img := r.Image
	l, err := r.LoadPlatform(ctx, artifact.LoadOptions{Platform: platform, Log: w.cfg.Log})
	if err != nil {
		return nil, err
	}
	s := l.Spec
	if len(w.cfg.Policy.Tags) > 0 {
		kept := *s
		kept.Compatibilties = slices.DeleteFunc(slices.Clone(s.Compatibilties), func(c compatv1alpha1.Compatibility) bool {
			return !slices.Contains(w.cfg.Policy.Tags, c.Tag)
		})
		if len(kept.Compatibilties) == 0 {
			return nil, fmt.Errorf("%s: artifact %s: %w %v", img.Name, l.Descriptor.Digest, ErrNoSets, w.cfg.Policy.Tags)
		}
		s = &kept
	}
	d := l.Descriptor.Digest
	res, err := schedule.Generate(s, schedule.Options{Repository: RuleRepository(d.String()), LabelPrefix: w.cfg.LabelPrefix})
	if err != nil {
		return nil, fmt.Errorf("%s: artifact %s: %w", img.Name, d, err)
	}
	nfr := res.NodeFeatureRule
	nfr.Labels[ArtifactLabel] = labelValue(d.Encoded())
	nfr.Annotations = map[string]string{ArtifactAnnotation: d.String(), ImageAnnotation: ref}
	return &placement{Artifact: d.String(), Result: res}, nil
}

// ensureRule applies the artifact's NodeFeatureRule once per TTL, however
// many pods of it are admitted, with LastUsedAnnotation set to now (cut
// to LastUsedResolution).
func (w *Webhook) ensureRule(ctx context.Context, p *placement) error {
	_, _, err := w.rules.Get(ctx, p.Result.NodeFeatureRule.Name, func(ctx context.Context) (string, error) {
		ctx, cancel := context.WithTimeout(ctx, w.cfg.Policy.Timeout.Std())
		defer cancel()
		w.ruleApplies.Add(1)
		nfr := p.Result.NodeFeatureRule.DeepCopy()
		if nfr.Annotations == nil {
			nfr.Annotations = map[string]string{}
		}
		nfr.Annotations[LastUsedAnnotation] = w.cfg.Now().UTC().Truncate(LastUsedResolution).Format(time.RFC3339)
		what, err := schedule.ApplyRule(ctx, w.cfg.Dynamic, w.cfg.FieldManager, nfr)
		if err == nil && what != "unchanged" {
			w.cfg.Log.WithField("artifact", p.Artifact).Infof("nodefeaturerule %s %s", p.Result.NodeFeatureRule.Name, what)
		}
		return what, err
	}, nil)
	return err
}
