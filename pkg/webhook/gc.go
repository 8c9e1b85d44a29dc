package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
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
// NodeFeatureRules carrying ArtifactLabel that no existing pod's
// DecisionAnnotation references (by rule name or artifact) and that were
// neither created nor last used (LastUsedAnnotation) within grace, at
// most MaxRuleDeletesPerPass of them. A rule changed since it was listed
// is left for the next pass. Rules without ArtifactLabel are never
// touched. It returns the names deleted.
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
	for _, r := range staleRules(rules, podList, w.cfg.Now(), grace, w.cfg.Log) {
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

// staleRules is the collector's decision: the rules of ours (ArtifactLabel
// set) that no pod references and whose creation and last use are both
// more than grace before now.
func staleRules(rules, pods []unstructured.Unstructured, now time.Time, grace time.Duration, log logrus.FieldLogger) []unstructured.Unstructured {
	names, artifacts := map[string]bool{}, map[string]bool{}
	for _, p := range pods {
		a, ok := p.GetAnnotations()[DecisionAnnotation]
		if !ok {
			continue
		}
		var d Decision
		if err := json.Unmarshal([]byte(a), &d); err != nil {
			log.WithError(err).Warnf("pod %s/%s: annotation %s is not the webhook's JSON; it keeps no rule", p.GetNamespace(), p.GetName(), DecisionAnnotation)
			continue
		}
		keep := func(rule, artifact string) {
			if rule != "" {
				names[rule] = true
			}
			if _, hex, ok := strings.Cut(artifact, ":"); ok && hex != "" {
				artifacts[labelValue(hex)] = true
			}
		}
		for _, img := range d.Images {
			keep(img.Rule, img.Artifact)
			for _, pl := range img.Platforms {
				keep(pl.Rule, pl.Artifact)
			}
		}
	}
	var out []unstructured.Unstructured
	for _, r := range rules {
		label, ours := r.GetLabels()[ArtifactLabel]
		if !ours || names[r.GetName()] || artifacts[label] {
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
