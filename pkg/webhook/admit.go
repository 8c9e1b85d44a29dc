package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/nfd-compat/nfd-compat/pkg/metrics"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
	"github.com/nfd-compat/nfd-compat/pkg/safetext"
	"github.com/nfd-compat/nfd-compat/pkg/schedule"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// ImageDecision is what was decided for one image of a pod.
type ImageDecision struct {
	Image string `json:"image"`
	// Outcome is the image's; for an index, its Artifact, Rule and Sets
	// are in Platforms instead.
	Outcome
	// Platforms, for an index, is what was decided for each of its linux
	// platforms.
	Platforms []PlatformDecision `json:"platforms,omitempty"`

	allow, warn bool
	answer      *answer
	// platformWarnings are the platforms whose lookup failed (warned).
	platformWarnings []PlatformDecision
}

// PlatformDecision is what was decided for one platform of an index:
// placed by its artifact's sets (verdict compatible), or without a spec
// (verdict missing) admitted on its nodes with no further term ("allowed
// by on_missing=allow") or not admitted there ("refused by
// on_missing=deny"), or whose lookup failed (verdict error) admitted or not
// as on_error says.
type PlatformDecision struct {
	Platform string `json:"platform"`
	Outcome
}

// Outcome is what was decided for an image or a platform of an index, as
// the annotation records it (its fields inline in the JSON).
type Outcome struct {
	// Artifact is the compatibility artifact's digest and Rule the
	// NodeFeatureRule applied for it; Sets are the set labels the pod
	// requires one of.
	Artifact string         `json:"artifact,omitempty"`
	Rule     string         `json:"rule,omitempty"`
	Sets     []string       `json:"sets,omitempty"`
	Verdict  policy.Verdict `json:"verdict"`
	// Decision is policy.Decision's "allowed by X" / "refused by X".
	Decision string `json:"decision"`
	Reason   string `json:"reason,omitempty"`
}

// placeBy records an artifact's placement: its digest, rule and set
// labels.
func (o *Outcome) placeBy(p *placement) {
	o.Artifact, o.Rule, o.Sets = p.Artifact, p.Result.NodeFeatureRule.Name, setLabels(p)
}

// setLabels are the set labels of every placement of the image.
func (d *ImageDecision) setLabels() []string {
	out := slices.Clone(d.Sets)
	for _, p := range d.Platforms {
		out = append(out, p.Sets...)
	}
	return out
}

// Decision is the pod annotation DecisionAnnotation.
type Decision struct {
	Mode   policy.Mode     `json:"mode"`
	Images []ImageDecision `json:"images"`
}

// Admit answers one AdmissionRequest. Anything but a Pod CREATE is allowed
// untouched, as are pods with nodeName set, pods of excluded namespaces
// and, unless Config.PlaceDaemonSetPods, DaemonSet pods; so is a pod none of whose images has a spec (unless
// on_missing=deny refuses it).
func (w *Webhook) Admit(ctx context.Context, req *admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
	resp := &admissionv1.AdmissionResponse{UID: req.UID, Allowed: true}
	if req.Kind.Kind != "Pod" || req.Kind.Group != "" || req.Operation != admissionv1.Create || req.SubResource != "" {
		return resp
	}
	var pod corev1.Pod
	if err := json.Unmarshal(req.Object.Raw, &pod); err != nil {
		return refuse(resp, fmt.Sprintf("nfd-compat: the admission request's object is not a Pod: %v", err))
	}
	ns := req.Namespace
	if ns == "" {
		ns = pod.Namespace
	}
	pol := w.cfg.Policy
	if pol.Mode == policy.ModeOff || pod.Spec.NodeName != "" || w.cfg.namespaceExcluded(ns) ||
		(!w.cfg.PlaceDaemonSetPods && daemonSetPod(&pod)) {
		return resp
	}
	ctx, cancel := context.WithTimeout(ctx, pol.Timeout.Std())
	defer cancel()
	if r, done := w.admitSelected(ctx, ns, &pod, resp); done {
		return r
	}
	// A dry run must have no side effects (sideEffects: NoneOnDryRun):
	// its images are looked up, but no rule is applied.
	dryRun := req.DryRun != nil && *req.DryRun
	var pullSecrets []string
	if w.cfg.PullSecrets {
		for _, s := range pod.Spec.ImagePullSecrets {
			pullSecrets = append(pullSecrets, s.Name)
		}
	}
	decisions := w.decideImages(ctx, podImages(&pod), dryRun, ns, pullSecrets)
	log := w.cfg.Log.WithField("pod", ns+"/"+podName(&pod))

	touched := false
	var refusals []string
	for i := range decisions {
		d := &decisions[i]
		touched = touched || d.answer != nil || d.Verdict == policy.Error
		if !d.allow {
			refusals = append(refusals, d.Image+": "+d.Decision+": "+d.Reason)
		}
		if d.warn {
			resp.Warnings = append(resp.Warnings, safetext.Line(fmt.Sprintf("nfd-compat: %s: %s (%s)", d.Image, d.Reason, d.Decision)))
		}
		for _, p := range d.platformWarnings {
			// A platform whose lookup failed: its nodes are taken
			// unchecked (on_error=allow) or left out (deny).
			resp.Warnings = append(resp.Warnings, safetext.Line(fmt.Sprintf("nfd-compat: %s: platform %s: %s (%s)", d.Image, p.Platform, p.Reason, p.Decision)))
		}
	}
	if len(refusals) > 0 {
		log.Warnf("refused: %s", strings.Join(refusals, "; "))
		return refuse(resp, "nfd-compat: "+strings.Join(refusals, "; "))
	}
	if !touched {
		return resp
	}
	var aff *corev1.Affinity
	if pol.Mode == policy.ModeEnforce {
		var err error
		if aff, err = w.affinity(&pod, decisions); err != nil {
			// Too many terms: the pod cannot be placed as asked.
			dec := pol.Decide(policy.Error)
			log.Warnf("%v: %s", err, dec)
			if !dec.Allow {
				return refuse(resp, "nfd-compat: "+err.Error()+": "+dec.String())
			}
			resp.Warnings = append(resp.Warnings, safetext.Line("nfd-compat: "+err.Error()+" ("+dec.String()+"); no node affinity added"))
			aff = nil
		}
	} else {
		for _, d := range decisions {
			if d.answer != nil {
				resp.Warnings = append(resp.Warnings, safetext.Line(fmt.Sprintf("nfd-compat: mode=warn: %s would be placed on nodes with one of the labels %s", d.Image, strings.Join(d.setLabels(), ", "))))
			}
		}
	}
	ann, err := json.Marshal(Decision{Mode: pol.Mode, Images: decisions})
	if err != nil {
		return refuse(resp, "nfd-compat: "+err.Error())
	}
	patch, err := podPatch(&pod, aff, string(ann))
	if err != nil {
		return refuse(resp, "nfd-compat: "+err.Error())
	}
	pt := admissionv1.PatchTypeJSONPatch
	resp.Patch, resp.PatchType = patch, &pt
	log.WithField("decision", string(ann)).Info("admitted")
	return resp
}

func refuse(resp *admissionv1.AdmissionResponse, msg string) *admissionv1.AdmissionResponse {
	resp.Allowed = false
	resp.Result = &metav1.Status{Status: metav1.StatusFailure, Reason: metav1.StatusReasonForbidden, Code: 403, Message: safetext.Line(msg)}
	return resp
}

// clean is foreign text made safe for an admission answer, an annotation
// or a log: credentials redacted, control characters escaped.

// daemonSetPod reports whether a DaemonSet controls the pod.
func daemonSetPod(p *corev1.Pod) bool {
	for _, o := range p.OwnerReferences {
		if o.Kind == "DaemonSet" && strings.HasPrefix(o.APIVersion, "apps/") && o.Controller != nil && *o.Controller {
			return true
		}
	}
	return false
}

func podName(p *corev1.Pod) string {
	if p.Name != "" {
		return p.Name
	}
	return p.GenerateName + "*"
}

// podImages are the images of the init containers and containers, each once.
func podImages(p *corev1.Pod) []string {
	var out []string
	for _, cs := range [][]corev1.Container{p.Spec.InitContainers, p.Spec.Containers} {
		for _, c := range cs {
			if c.Image != "" && !slices.Contains(out, c.Image) {
				out = append(out, c.Image)
			}
		}
	}
	return out
}

// decideImages decides every image at once, each bounded by ctx.
func (w *Webhook) decideImages(ctx context.Context, images []string, dryRun bool, ns string, pullSecrets []string) []ImageDecision {
	out := make([]ImageDecision, len(images))
	var wg sync.WaitGroup
	for i, img := range images {
		wg.Go(func() { out[i] = w.decideImage(ctx, img, dryRun, ns, pullSecrets) })
	}
	wg.Wait()
	return out
}

func (w *Webhook) decideImage(ctx context.Context, image string, dryRun bool, ns string, pullSecrets []string) ImageDecision {
	pol := w.cfg.Policy
	d := ImageDecision{Image: safetext.Line(image)}
	verdict, reason := policy.Compatible, ""
	var a *answer
	var cause error
	start := w.cfg.Now()
	if ok, why := pol.Checked(image); !ok {
		verdict, reason = policy.Skipped, why
	} else if ref, err := target.ParseReference(image); err != nil {
		verdict, reason = policy.Error, err.Error()
	} else if !w.cfg.registryAllowed(ref.Registry) {
		verdict, reason = policy.Error, fmt.Sprintf("%v: %s (allow it with -allow-registry)", ErrRegistryNotAllowed, ref.Registry)
	} else if creds, identity, err := w.pullCredentials(ctx, ns, pullSecrets, ref.Registry); err != nil {
		verdict, reason, cause = policy.Error, err.Error(), err
	} else if a, _, err = w.lookup(ctx, ref.String(), ref.Registry, creds, identity); err != nil {
		verdict, reason, cause = policy.Error, err.Error(), err
		if missing(err) {
			verdict = policy.Missing
		}
		if errors.Is(err, context.DeadlineExceeded) {
			reason = "no answer from " + ref.Registry + " within the policy's timeout " + pol.Timeout.String() + ": " + reason
		}
		a = nil
	} else if dryRun {
		reason = "dry run: NodeFeatureRule not applied"
	} else {
		for _, p := range a.placements() {
			if err := w.ensureRule(ctx, p); err != nil {
				verdict, reason, a = policy.Error, err.Error(), nil
				break
			}
		}
	}
	dec := pol.Decide(verdict)
	if w.cfg.Observer != nil {
		if verdict != policy.Error {
			cause = nil
		}
		w.cfg.Observer.ObserveDecision(metrics.Decision{Mode: string(pol.Mode), Verdict: string(verdict),
			Allow: dec.Allow, Warn: dec.Warn, Duration: w.cfg.Now().Sub(start), Err: cause})
	}
	d.Outcome = Outcome{Verdict: verdict, Decision: dec.String(), Reason: safetext.Line(reason)}
	d.allow, d.warn, d.answer = dec.Allow, dec.Warn, a
	switch {
	case a == nil:
	case a.Single != nil:
		d.placeBy(a.Single)
	default:
		missingDec, errorDec := pol.Decide(policy.Missing), pol.Decide(policy.Error)
		for _, p := range a.Platforms {
			pd := PlatformDecision{Platform: target.FormatPlatform(&p.Platform), Outcome: Outcome{Verdict: policy.Compatible, Decision: dec.String()}}
			switch {
			case p.Placement != nil:
				pd.placeBy(p.Placement)
			case p.Failed != "":
				pd.Outcome = Outcome{Verdict: policy.Error, Decision: errorDec.String(), Reason: safetext.Line(p.Failed)}
				d.platformWarnings = append(d.platformWarnings, pd)
			default:
				pd.Outcome = Outcome{Verdict: policy.Missing, Decision: missingDec.String(), Reason: safetext.Line(p.Missing)}
			}
			d.Platforms = append(d.Platforms, pd)
		}
	}
	return d
}

func setLabels(p *placement) []string {
	var out []string
	for _, s := range p.Result.Sets {
		out = append(out, s.Label)
	}
	return out
}

// affinity is the pod's affinity with every placed image's requirement
// merged in (schedule.MergeTerms: the pod's required terms times each
// image's, so every image passes), its required terms bounded by
// MaxRequiredTerms after each image.
func (w *Webhook) affinity(pod *corev1.Pod, decisions []ImageDecision) (*corev1.Affinity, error) {
	aff := pod.Spec.Affinity.DeepCopy()
	if aff == nil {
		aff = &corev1.Affinity{}
	}
	na := aff.NodeAffinity
	admitMissing := w.cfg.Policy.Decide(policy.Missing).Allow
	admitFailed := w.cfg.Policy.Decide(policy.Error).Allow
	for _, d := range decisions {
		if d.answer == nil {
			continue
		}
		req, ours, err := w.requirement(d.answer, admitMissing, admitFailed)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", d.Image, err)
		}
		na = schedule.MergeTerms(na, req, ours)
		if n := len(na.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms); n > MaxRequiredTerms {
			return nil, fmt.Errorf("the images' compatibility sets combined with the pod's node affinity make more than %d required node selector terms", MaxRequiredTerms)
		}
	}
	aff.NodeAffinity = na
	return aff, nil
}
