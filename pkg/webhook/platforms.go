package webhook

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/schedule"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// MaxPlatforms bounds the linux platforms of an index the webhook judges
// (each one a referrers listing and a fetch): the index comes from a
// registry. An index with more is an error, decided by on_error.
const MaxPlatforms = 16

// ErrNoPlatform is the answer for an index with no linux platform (or
// none matching Config.Platform): like no artifact, on_missing decides.
var ErrNoPlatform = errors.New("no linux platform manifest in the index")

// ErrTooManyPlatforms is the answer for an index with more than
// MaxPlatforms linux platforms; on_error decides.
var ErrTooManyPlatforms = errors.New("too many platforms in the index")

// answer is what an image's specs ask of nodes, the cached value of a
// reference: Single for a single-manifest image, else one platformAnswer
// per linux platform of the index.
type answer struct {
	Single    *placement
	Platforms []platformAnswer
}

// platformAnswer is one platform of an index: its placement, or nil and
// why: Missing when it has no spec (on_missing decides for its nodes),
// Failed when its lookup failed (on_error decides for its nodes).
type platformAnswer struct {
	Platform  ocispec.Platform
	Placement *placement
	Missing   string
	Failed    string
}

// partial reports whether a platform's lookup failed: the memo keeps such
// an answer only for the error TTL, so the platform is asked again as
// soon as a failed image would be.
func (a *answer) partial() bool {
	if a == nil {
		return false
	}
	for _, p := range a.Platforms {
		if p.Failed != "" {
			return true
		}
	}
	return false
}

// placements are the answer's placements, each artifact once.
func (a *answer) placements() []*placement {
	if a.Single != nil {
		return []*placement{a.Single}
	}
	var out []*placement
	seen := map[string]bool{}
	for _, p := range a.Platforms {
		if p.Placement != nil && !seen[p.Placement.Artifact] {
			seen[p.Placement.Artifact] = true
			out = append(out, p.Placement)
		}
	}
	return out
}

// loadIndex places each linux platform of an index (Config.Platform, set,
// keeps only its own; an architecture or variant that is not a label
// value is no platform a node has, and skipped) by its own spec: the platform's manifest's artifact,
// else the index's, as artifact.Load finds it for that platform. A
// platform without one is kept with the reason (on_missing decides for
// its nodes); a platform whose lookup failed is kept with the error
// (on_error decides for its nodes) as long as another platform is placed;
// an index none of whose platforms is placed fails with the platforms'
// errors if there are any, else is ErrNoArtifact.
func (w *Webhook) loadIndex(ctx context.Context, r *artifact.Resolved, ref string) (*answer, error) {
	all, err := r.Platforms(ctx)
	if err != nil {
		return nil, err
	}
	var plats []ocispec.Platform
	for _, p := range all {
		// The architecture becomes a node selector value and the variant
		// is annotated: a platform no node can have (not a label value)
		// is not judged.
		if p.OS == "linux" && validation.IsValidLabelValue(p.Architecture) == nil && validation.IsValidLabelValue(p.Variant) == nil &&
			(w.cfg.Platform == nil || artifact.MatchPlatform(w.cfg.Platform, &p)) {
			plats = append(plats, p)
		}
	}
	switch {
	case len(plats) == 0 && w.cfg.Platform != nil:
		return nil, fmt.Errorf("%s: index %s: %w matching -platform %s", r.Image.Name, r.Root.Digest, ErrNoPlatform, target.FormatPlatform(w.cfg.Platform))
	case len(plats) == 0:
		return nil, fmt.Errorf("%s: index %s: %w", r.Image.Name, r.Root.Digest, ErrNoPlatform)
	case len(plats) > MaxPlatforms:
		return nil, fmt.Errorf("%s: index %s: %w: %d linux platforms, at most %d are judged", r.Image.Name, r.Root.Digest, ErrTooManyPlatforms, len(plats), MaxPlatforms)
	}
	out := &answer{Platforms: make([]platformAnswer, len(plats))}
	errs := make([]error, len(plats))
	var wg sync.WaitGroup
	for i := range plats {
		wg.Go(func() {
			p := &out.Platforms[i]
			p.Platform = plats[i]
			pl, err := w.place(ctx, r, &p.Platform, ref)
			switch {
			case err == nil:
				p.Placement = pl
			case missing(err):
				p.Missing = err.Error()
			default:
				errs[i] = fmt.Errorf("platform %s: %w", target.FormatPlatform(&p.Platform), err)
				p.Failed = errs[i].Error()
			}
		})
	}
	wg.Wait()
	if len(out.placements()) == 0 {
		if err := errors.Join(errs...); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%s: index %s: no linux platform has a compatibility artifact: %w", r.Image.Name, r.Root.Digest, artifact.ErrNoArtifact)
	}
	return out, nil
}

// platformKey is a platform's os/arch, the node labels Kubernetes has:
// there is no standard node label of the variant, so the variants of an
// os/arch (linux/arm/v6 and v7) are judged together.
func platformKey(p ocispec.Platform) string { return p.OS + "/" + p.Architecture }

// requirement is what an image asks of nodes as a node affinity: its
// required terms (ORed) and preferred terms, and which label keys are its
// own (replaced when a pod is admitted again). A single manifest: its
// sets. An index: per os/arch of its platforms, in index order, a node
// with kubernetes.io/os and kubernetes.io/arch of it and some set of each
// of its variants' specs (of each one with a spec; a variant without one
// admits no further term when admitMissing — on_missing=allow —, else the
// os/arch is not admitted at all; so does a variant whose lookup failed by
// admitFailed — on_error=allow); each platform's preferred terms gain
// its os/arch. No term at all (every os/arch refused) is an error.
func (w *Webhook) requirement(a *answer, admitMissing, admitFailed bool) (*corev1.NodeAffinity, func(string) bool, error) {
	var owners []func(string) bool
	for _, p := range a.placements() {
		owners = append(owners, schedule.Owns(p.Result, w.cfg.LabelPrefix))
	}
	ours := func(k string) bool {
		for _, o := range owners {
			if o(k) {
				return true
			}
		}
		return false
	}
	if a.Single != nil {
		return a.Single.Result.Affinity.NodeAffinity, ours, nil
	}
	var keys []string
	groups := map[string][]platformAnswer{}
	for _, p := range a.Platforms {
		k := platformKey(p.Platform)
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], p)
	}
	na := &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{}}
	var refused []string
	for _, k := range keys {
		g := groups[k]
		osArch := []corev1.NodeSelectorRequirement{
			{Key: corev1.LabelOSStable, Operator: corev1.NodeSelectorOpIn, Values: []string{g[0].Platform.OS}},
			{Key: corev1.LabelArchStable, Operator: corev1.NodeSelectorOpIn, Values: []string{g[0].Platform.Architecture}},
		}
		terms := []corev1.NodeSelectorTerm{{MatchExpressions: osArch}}
		var pref []corev1.PreferredSchedulingTerm
		var why string // set when the os/arch is not admitted
		for _, p := range g {
			switch {
			case p.Failed != "":
				if !admitFailed {
					why = "its lookup failed and on_error=deny"
				}
				continue
			case p.Placement == nil:
				if !admitMissing && why == "" {
					why = "no spec and on_missing=deny"
				}
				continue
			}
			pna := p.Placement.Result.Affinity.NodeAffinity
			terms = schedule.AndTerms(terms, pna.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms)
			if len(terms) > MaxRequiredTerms {
				return nil, nil, fmt.Errorf("the sets of the variants of %s make more than %d required node selector terms", k, MaxRequiredTerms)
			}
			for _, t := range pna.PreferredDuringSchedulingIgnoredDuringExecution {
				t = *t.DeepCopy()
				t.Preference.MatchExpressions = append(append([]corev1.NodeSelectorRequirement{}, osArch...), t.Preference.MatchExpressions...)
				pref = append(pref, t)
			}
		}
		if why != "" {
			refused = append(refused, k+" ("+why+")")
			continue
		}
		req := na.RequiredDuringSchedulingIgnoredDuringExecution
		req.NodeSelectorTerms = append(req.NodeSelectorTerms, terms...)
		if len(req.NodeSelectorTerms) > MaxRequiredTerms {
			return nil, nil, fmt.Errorf("the platforms' sets of one image make more than %d required node selector terms", MaxRequiredTerms)
		}
		na.PreferredDuringSchedulingIgnoredDuringExecution = append(na.PreferredDuringSchedulingIgnoredDuringExecution, pref...)
	}
	if len(na.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms) == 0 {
		return nil, nil, fmt.Errorf("no platform of the image may be placed: %s", strings.Join(refused, ", "))
	}
	return na, ours, nil
}
