package webhook

import (
	"context"
	"errors"
	"fmt"
	"strings"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	"github.com/nfd-compat/nfd-compat/pkg/policy"
	"github.com/nfd-compat/nfd-compat/pkg/safetext"
)

// ErrNamespaceLabels is wrapped by the error of reading a pod's namespace
// for Config.NamespaceSelector; on_error decides the pod.
var ErrNamespaceLabels = errors.New("cannot read the namespace's labels")

var namespaces = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}

// ParseLabelSelector reads a label selector as Kubernetes writes one: a
// JSON or YAML LabelSelector ({"matchLabels": {...}, "matchExpressions":
// [...]}) or, without a colon, the selector syntax of kubectl -l
// ("env in (prod,staging),!legacy"). The result is checked by
// metav1.LabelSelectorAsSelector.
func ParseLabelSelector(s string) (*metav1.LabelSelector, error) {
	var sel *metav1.LabelSelector
	if strings.Contains(s, ":") {
		sel = &metav1.LabelSelector{}
		if err := yaml.UnmarshalStrict([]byte(s), sel); err != nil {
			return nil, fmt.Errorf("label selector %q: not a LabelSelector with matchLabels/matchExpressions: %v", s, err)
		}
	} else {
		var err error
		if sel, err = metav1.ParseToLabelSelector(s); err != nil {
			return nil, fmt.Errorf("label selector %q: %v", s, err)
		}
	}
	if _, err := metav1.LabelSelectorAsSelector(sel); err != nil {
		return nil, fmt.Errorf("label selector %q: %v", s, err)
	}
	return sel, nil
}

// compileSelector is a Config selector as labels.Selector; nil for none or
// an empty one (everything matches, nothing to read).
func compileSelector(what string, sel *metav1.LabelSelector) (labels.Selector, error) {
	if sel == nil || (len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0) {
		return nil, nil
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return nil, fmt.Errorf("%s: %v: give matchLabels and/or matchExpressions with the operators In, NotIn, Exists, DoesNotExist", what, err)
	}
	return s, nil
}

// selected reports whether the pod is one the selectors place: its labels
// match PodSelector and its namespace's labels NamespaceSelector.
func (w *Webhook) selected(ctx context.Context, ns string, pod *corev1.Pod) (bool, error) {
	if w.cfg.podSelector != nil && !w.cfg.podSelector.Matches(labels.Set(pod.Labels)) {
		return false, nil
	}
	if w.cfg.nsSelector == nil {
		return true, nil
	}
	nsLabels, err := w.namespaceLabels(ctx, ns)
	if err != nil {
		return false, err
	}
	return w.cfg.nsSelector.Matches(labels.Set(nsLabels)), nil
}

// namespaceLabels reads a namespace's labels, cached for CacheTTL (one
// read per namespace per TTL, concurrent admissions waiting for one);
// errors are not cached.
func (w *Webhook) namespaceLabels(ctx context.Context, ns string) (map[string]string, error) {
	l, _, err := w.nsMeta.Get(ctx, ns, func(ctx context.Context) (map[string]string, error) {
		w.nsLookups.Add(1)
		ctx, cancel := context.WithTimeout(ctx, w.cfg.Policy.Timeout.Std())
		defer cancel()
		u, err := w.cfg.Dynamic.Resource(namespaces).Get(ctx, ns, metav1.GetOptions{})
		if err != nil {
			hint := ""
			if apierrors.IsForbidden(err) {
				hint = "; -namespace-selector needs get on namespaces in the webhook's ClusterRole (contrib/kubernetes/webhook/webhook.yaml)"
			}
			return nil, fmt.Errorf("%w: namespace %s: %w%s", ErrNamespaceLabels, ns, err, hint)
		}
		return u.GetLabels(), nil
	}, nil)
	return l, err
}

// admitSelected applies the selectors to a pod Admit would place: done
// with the answer when the pod is not selected (untouched) or its
// namespace cannot be read (on_error: refused, or untouched with a
// warning).
func (w *Webhook) admitSelected(ctx context.Context, ns string, pod *corev1.Pod, resp *admissionv1.AdmissionResponse) (*admissionv1.AdmissionResponse, bool) {
	ok, err := w.selected(ctx, ns, pod)
	if err == nil {
		return resp, !ok
	}
	dec := w.cfg.Policy.Decide(policy.Error)
	msg := "nfd-compat: " + err.Error() + " (" + dec.String() + ")"
	w.cfg.Log.WithField("pod", ns+"/"+podName(pod)).Warn(safetext.Line(msg))
	if !dec.Allow {
		return refuse(resp, msg), true
	}
	resp.Warnings = append(resp.Warnings, safetext.Line(msg+"; not placed"))
	return resp, true
}
