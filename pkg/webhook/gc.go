package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/nfd-compat/nfd-compat/pkg/schedule"
)

// Bounds of the rule garbage collector.
const (
	// DefaultRuleGCGrace is how long a rule no pod references is kept
	// after its creation and its last use.
	DefaultRuleGCGrace = 24 * time.Hour
	// MinRuleGCInterval and MaxRuleGCInterval bound the interval between
	// passes (grace/4 unless given).
	MinRuleGCInterval = time.Minute
	MaxRuleGCInterval = time.Hour
	// MaxRuleDeletesPerPass bounds one pass's deletions; the rest wait
	// for the next pass.
	MaxRuleDeletesPerPass = 100
	// ruleGCPassTimeout bounds one pass (its listings and deletions).
	ruleGCPassTimeout = 2 * time.Minute
	// gcPageSize is the page size of the pod and rule listings.
	gcPageSize = 500
)

// ErrRuleGC is wrapped by the errors of a garbage collection pass.
var ErrRuleGC = errors.New("NodeFeatureRule garbage collection")

var pods = schema.GroupVersionResource{Version: "v1", Resource: "pods"}

// RuleGCInterval is the interval between passes for a grace: the given
// interval, or grace/4, within [MinRuleGCInterval, MaxRuleGCInterval].
func RuleGCInterval(grace, interval time.Duration) time.Duration {
	if interval <= 0 {
		interval = grace / 4
	}
	return min(max(interval, MinRuleGCInterval), MaxRuleGCInterval)
}

// RunRuleGC collects the webhook's unused NodeFeatureRules (CollectRules)
// every interval until ctx ends. A grace of zero disables it. The grace
// must not be shorter than the cache TTL: another replica reuses its
// applied rule for a TTL without applying it again.
func (w *Webhook) RunRuleGC(ctx context.Context, grace, interval time.Duration) error {
	if grace == 0 {
		return nil
	}
	if grace < w.cfg.CacheTTL {
		return fmt.Errorf("%w: grace %v is shorter than the cache TTL %v: give a grace of at least the TTL, or 0 to disable", ErrRuleGC, grace, w.cfg.CacheTTL)
	}
	t := time.NewTicker(RuleGCInterval(grace, interval))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, ruleGCPassTimeout)
		if _, err := w.CollectRules(pctx, grace); err != nil && ctx.Err() == nil {
			w.cfg.Log.WithError(err).Warn("NodeFeatureRule garbage collection")
		}
		cancel()
	}
}

// CollectRules runs one garbage collection pass: it deletes the
// NodeFeatureRules of the webhook (ArtifactLabel set and applied by its
// FieldManager) that no existing pod references, by its
// DecisionAnnotation (rule name or artifact) or by a label of the rule in
// its node affinity (required or preferred) or nodeSelector, and that
// were neither created nor last used (LastUsedAnnotation) within grace,
// at most MaxRuleDeletesPerPass of them. A rule changed since it was
// listed is left for the next pass. Other rules are never touched. It
// returns the names deleted.
func (w *Webhook) CollectRules(ctx context.Context, grace time.Duration) ([]string, error) {
	rules, err := w.listAll(ctx, schedule.NodeFeatureRules, ArtifactLabel)
	if err != nil || len(rules) == 0 {
		return nil, err
	}
	podList, err := w.listAll(ctx, pods, "")
	if err != nil {
		return nil, err
	}
	var deleted []string
	for _, r := range staleRules(rules, podList, w.cfg.Now(), grace, w.cfg.FieldManager, w.cfg.Log) {
		if len(deleted) == MaxRuleDeletesPerPass {
			break
		}
		uid, rv := r.GetUID(), r.GetResourceVersion()
		err := w.cfg.Dynamic.Resource(schedule.NodeFeatureRules).Delete(ctx, r.GetName(),
			metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid, ResourceVersion: &rv}})
		switch {
		case apierrors.IsNotFound(err), apierrors.IsConflict(err):
			continue // gone, or applied again since listed
		case err != nil:
			return deleted, fmt.Errorf("%w: delete NodeFeatureRule %s: %w%s", ErrRuleGC, r.GetName(), err, forbiddenHint(err))
		}
		w.rules.Forget(r.GetName())
		w.rulesDeleted.Add(1)
		deleted = append(deleted, r.GetName())
		w.cfg.Log.WithFields(logrus.Fields{"artifact": r.GetAnnotations()[ArtifactAnnotation], "grace": grace.String()}).
			Infof("nodefeaturerule %s deleted: no pod uses it", r.GetName())
	}
	return deleted, nil
}

// listAll lists every object of a resource (all namespaces), page by page,
// with a label selector that requires label when it is not empty.
func (w *Webhook) listAll(ctx context.Context, res schema.GroupVersionResource, label string) ([]unstructured.Unstructured, error) {
	var out []unstructured.Unstructured
	opts := metav1.ListOptions{Limit: gcPageSize, LabelSelector: label}
	for {
		l, err := w.cfg.Dynamic.Resource(res).List(ctx, opts)
		if err != nil {
			return nil, fmt.Errorf("%w: list %s: %w%s", ErrRuleGC, res.Resource, err, forbiddenHint(err))
		}
		out = append(out, l.Items...)
		if opts.Continue = l.GetContinue(); opts.Continue == "" {
			return out, nil
		}
	}
}

func forbiddenHint(err error) string {
	if apierrors.IsForbidden(err) {
		return "; the webhook's ClusterRole needs list and delete on nodefeaturerules and list on pods (contrib/kubernetes/webhook/webhook.yaml)"
	}
	return ""
}

// staleRules is the collector's decision: the rules of ours (ownRule)
// that no pod references (podRefs) and whose creation and last use are
// both more than grace before now.
func staleRules(rules, pods []unstructured.Unstructured, now time.Time, grace time.Duration, fieldManager string, log logrus.FieldLogger) []unstructured.Unstructured {
	refs := podRefs(pods, log)
	var out []unstructured.Unstructured
	for _, r := range rules {
		if !ownRule(&r, fieldManager) || refs.keep(&r, log) {
			continue
		}
		last := r.GetCreationTimestamp().Time
		if s, ok := r.GetAnnotations()[LastUsedAnnotation]; ok {
			if t, err := time.Parse(time.RFC3339, s); err == nil && t.After(last) {
				last = t
			}
		}
		if now.Sub(last) > grace {
			out = append(out, r)
		}
	}
	return out
}

// ownRule reports whether the webhook made a rule: it carries
// ArtifactLabel and its managed fields name the webhook's field manager
// (server-side apply records it). A rule of `schedule --apply`, of
// another tool, or labelled by hand is never collected.
func ownRule(r *unstructured.Unstructured, fieldManager string) bool {
	if _, ok := r.GetLabels()[ArtifactLabel]; !ok {
		return false
	}
	for _, m := range r.GetManagedFields() {
		if m.Manager == fieldManager {
			return true
		}
	}
	return false
}

// ruleRefs is what existing pods reference: rule names and artifact
// labels (DecisionAnnotation), and node label keys (node affinity and
// nodeSelector) with the "<repo>." part of their names.
type ruleRefs struct {
	names, artifacts, keys, repos map[string]bool
}

func podRefs(pods []unstructured.Unstructured, log logrus.FieldLogger) ruleRefs {
	refs := ruleRefs{names: map[string]bool{}, artifacts: map[string]bool{}, keys: map[string]bool{}, repos: map[string]bool{}}
	for _, p := range pods {
		for _, k := range podLabelKeys(&p, log) {
			refs.keys[k] = true
			if repo := labelRepo(k); repo != "" {
				refs.repos[repo] = true
			}
		}
		a, ok := p.GetAnnotations()[DecisionAnnotation]
		if !ok {
			continue
		}
		var d Decision
		if err := json.Unmarshal([]byte(a), &d); err != nil {
			log.WithError(err).Warnf("pod %s/%s: annotation %s is not the webhook's JSON; it keeps no rule by it", p.GetNamespace(), p.GetName(), DecisionAnnotation)
			continue
		}
		for _, img := range d.Images {
			refs.add(img.Rule, img.Artifact)
			for _, pl := range img.Platforms {
				refs.add(pl.Rule, pl.Artifact)
			}
		}
	}
	return refs
}

// add keeps a rule named in a pod's annotation, by name and by artifact.
func (refs ruleRefs) add(rule, artifact string) {
	if rule != "" {
		refs.names[rule] = true
	}
	if _, hex, ok := strings.Cut(artifact, ":"); ok && hex != "" {
		refs.artifacts[labelValue(hex)] = true
	}
}

// keep reports whether a pod references the rule: by name, by artifact,
// or by one of the node labels it sets (exactly, or a label of the same
// "<repo>." with another prefix or set, as an older spec of the artifact
// or another -label-prefix would have written).
func (refs ruleRefs) keep(r *unstructured.Unstructured, log logrus.FieldLogger) bool {
	if refs.names[r.GetName()] || refs.artifacts[r.GetLabels()[ArtifactLabel]] {
		return true
	}
	rs, _, err := unstructured.NestedSlice(r.Object, "spec", "rules")
	if err != nil {
		log.WithError(err).Warnf("nodefeaturerule %s: spec.rules unreadable; kept", r.GetName())
		return true
	}
	for _, item := range rs {
		m, _ := item.(map[string]any)
		l, _ := m["labels"].(map[string]any)
		for k := range l {
			if refs.keys[k] || (labelRepo(k) != "" && refs.repos[labelRepo(k)]) {
				return true
			}
		}
	}
	return false
}

// podLabelKeys are the node label keys a pod's node affinity (required
// and preferred terms) and nodeSelector name.
func podLabelKeys(p *unstructured.Unstructured, log logrus.FieldLogger) []string {
	var keys []string
	sel, _, _ := unstructured.NestedStringMap(p.Object, "spec", "nodeSelector")
	for k := range sel {
		keys = append(keys, k)
	}
	raw, ok, err := unstructured.NestedMap(p.Object, "spec", "affinity", "nodeAffinity")
	if err != nil || !ok {
		return keys
	}
	var na corev1.NodeAffinity
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(raw, &na); err != nil {
		log.WithError(err).Warnf("pod %s/%s: node affinity unreadable; it keeps no rule by it", p.GetNamespace(), p.GetName())
		return keys
	}
	var terms []corev1.NodeSelectorTerm
	if na.RequiredDuringSchedulingIgnoredDuringExecution != nil {
		terms = append(terms, na.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms...)
	}
	for _, pt := range na.PreferredDuringSchedulingIgnoredDuringExecution {
		terms = append(terms, pt.Preference)
	}
	for _, t := range terms {
		for _, e := range t.MatchExpressions {
			keys = append(keys, e.Key)
		}
	}
	return keys
}

// labelRepo is the "<repo>." of a set label key "<prefix>/<repo>.<set>"
// (schedule's names), or "" for a key of another shape.
func labelRepo(key string) string {
	_, name, ok := strings.Cut(key, "/")
	if !ok {
		return ""
	}
	repo, _, ok := strings.Cut(name, ".")
	if !ok || repo == "" {
		return ""
	}
	return repo + "."
}
