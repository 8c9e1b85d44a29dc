package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"

	"github.com/nfd-compat/nfd-compat/pkg/cluster"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
	"github.com/nfd-compat/nfd-compat/pkg/safetext"
	"github.com/nfd-compat/nfd-compat/pkg/schedule"
)

// PlacedPod is a pod bound to a node whose DecisionAnnotation says the
// webhook placed it (mode enforce, at least one image with sets).
type PlacedPod struct {
	Namespace string   `json:"namespace"`
	Name      string   `json:"name"`
	UID       string   `json:"uid,omitempty"`
	Node      string   `json:"node"`
	Decision  Decision `json:"-"`
}

// DriftedPod is a placed pod whose node no longer carries the label of
// any set one of its images required: Images are those images (their
// Sets the labels the pod required one of).
type DriftedPod struct {
	PlacedPod
	Images []ImageDecision `json:"images"`
}

// DriftScan is what one drift check found.
type DriftScan struct {
	// Placed counts the placed pods on nodes that exist (and that the
	// node selector selects); Drifted are those of them that drifted.
	Placed  int
	Drifted []DriftedPod
}

// Drift returns the images of a decision whose placement the node's
// labels no longer satisfy: an image placed with sets (mode enforce) of
// whose set labels the node carries none with schedule.LabelValue, as
// nfd-master removes them when the node stops passing the set. For an
// index, the node is judged by the platforms of its kubernetes.io/os and
// kubernetes.io/arch (every variant of them, as at admission); a node of
// a platform placed without sets (no spec) does not drift. Nothing drifts
// in warn or off mode: those pods were never placed.
func (d Decision) Drift(nodeLabels map[string]string) []ImageDecision {
	if d.Mode != policy.ModeEnforce {
		return nil
	}
	var out []ImageDecision
	for _, img := range d.Images {
		if img.drifted(nodeLabels) {
			out = append(out, img)
		}
	}
	return out
}

// drifted: the node carries none of the image's set labels, or for an
// index, none of some set-placed platform of the node's os/arch.
func (img ImageDecision) drifted(nodeLabels map[string]string) bool {
	if len(img.Platforms) == 0 {
		return len(img.Sets) > 0 && !carriesAny(nodeLabels, img.Sets)
	}
	os, arch := nodeLabels[corev1.LabelOSStable], nodeLabels[corev1.LabelArchStable]
	for _, p := range img.Platforms {
		pos, parch, _ := strings.Cut(p.Platform, "/")
		parch, _, _ = strings.Cut(parch, "/")
		if pos == os && parch == arch && len(p.Sets) > 0 && !carriesAny(nodeLabels, p.Sets) {
			return true
		}
	}
	return false
}

func carriesAny(nodeLabels map[string]string, sets []string) bool {
	for _, s := range sets {
		if nodeLabels[s] == schedule.LabelValue {
			return true
		}
	}
	return false
}

// FindDrift judges placed pods by their nodes' labels (by node name). A
// pod on a node not in nodeLabels (deleted, or not selected) is not
// judged, nor counted in Placed.
func FindDrift(pods []PlacedPod, nodeLabels map[string]map[string]string) DriftScan {
	var scan DriftScan
	for _, p := range pods {
		labels, ok := nodeLabels[p.Node]
		if !ok {
			continue
		}
		scan.Placed++
		if imgs := p.Decision.Drift(labels); len(imgs) > 0 {
			scan.Drifted = append(scan.Drifted, DriftedPod{PlacedPod: p, Images: imgs})
		}
	}
	return scan
}

// PlacedPods lists the pods bound to nodes (cluster.BoundPods) that the
// webhook placed. A pod whose annotation is not the webhook's JSON is
// logged at debug level and skipped. Only what a drift check needs of
// each pod is kept.
func PlacedPods(ctx context.Context, c *cluster.Client, log logrus.FieldLogger) ([]PlacedPod, error) {
	var out []PlacedPod
	err := c.Pods(ctx, cluster.BoundPods, func(p *corev1.Pod) error {
		a, ok := p.Annotations[DecisionAnnotation]
		if !ok {
			return nil
		}
		var d Decision
		if err := json.Unmarshal([]byte(a), &d); err != nil {
			if log != nil {
				log.WithError(err).Debugf("pod %s/%s: annotation %s is not the webhook's JSON: not checked for drift", p.Namespace, safetext.Line(p.Name), DecisionAnnotation)
			}
			return nil
		}
		if d.Mode != policy.ModeEnforce {
			return nil
		}
		keep := Decision{Mode: d.Mode}
		for _, img := range d.Images {
			if k, ok := placedImage(img); ok {
				keep.Images = append(keep.Images, k)
			}
		}
		if len(keep.Images) > 0 {
			out = append(out, PlacedPod{Namespace: p.Namespace, Name: p.Name, UID: string(p.UID), Node: p.Spec.NodeName, Decision: keep})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDrift, err)
	}
	return out, nil
}

// ScanDrift lists the placed pods and every node's labels and judges
// them (FindDrift).
func ScanDrift(ctx context.Context, c *cluster.Client, log logrus.FieldLogger) (DriftScan, error) {
	placed, err := PlacedPods(ctx, c, log)
	if err != nil {
		return DriftScan{}, err
	}
	if len(placed) == 0 {
		return DriftScan{}, nil
	}
	labels, err := c.NodeLabels(ctx)
	if err != nil {
		return DriftScan{}, fmt.Errorf("%w: %w", ErrDrift, err)
	}
	return FindDrift(placed, labels), nil
}

// placedImage keeps, with text made safe, what Drift reads of an image
// placed with sets (itself or one of its platforms); ok is false for an
// image placed without any.
func placedImage(img ImageDecision) (ImageDecision, bool) {
	k := ImageDecision{Image: safetext.Line(img.Image), Outcome: img.driftKept()}
	placed := len(img.Sets) > 0
	for _, p := range img.Platforms {
		if len(p.Sets) == 0 {
			continue
		}
		placed = true
		k.Platforms = append(k.Platforms, PlatformDecision{Platform: safetext.Line(p.Platform), Outcome: p.driftKept()})
	}
	return k, placed
}

// driftKept is the outcome as a drift check keeps it, its text made safe
// (the reason is not kept: nothing reports it).
func (o Outcome) driftKept() Outcome {
	sets := make([]string, len(o.Sets))
	for i, s := range o.Sets {
		sets[i] = safetext.Line(s)
	}
	return Outcome{Artifact: safetext.Line(o.Artifact), Rule: safetext.Line(o.Rule), Sets: sets, Verdict: o.Verdict, Decision: o.Decision}
}
