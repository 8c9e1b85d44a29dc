package validatenode

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/nfd-compat/nfd-compat/pkg/cluster"
	"github.com/nfd-compat/nfd-compat/pkg/output"
	"github.com/nfd-compat/nfd-compat/pkg/safetext"
	"github.com/nfd-compat/nfd-compat/pkg/webhook"
)

// ErrPodsOption is wrapped by the errors of an Options.Pods that cannot
// be honoured.
var ErrPodsOption = errors.New("--pods")

// PodsResult are the pods the webhook placed for the artifact (Options.Pods).
type PodsResult struct {
	// Drifted counts the pods on a node that no longer passes the spec.
	Drifted int         `json:"drifted"`
	Pods    []PodReport `json:"pods"`
}

// PodReport is one pod bound to a checked node whose placement
// annotation names the artifact.
type PodReport struct {
	Namespace string   `json:"namespace"`
	Name      string   `json:"name"`
	Node      string   `json:"node"`
	Image     string   `json:"image"`
	Sets      []string `json:"sets"`
	// NodeVerdict is its node's: compatible, incompatible or error.
	NodeVerdict string `json:"nodeVerdict"`
	// Drifted: placed by the spec, the node now fails it (the pod keeps
	// running: required node affinity is IgnoredDuringExecution).
	Drifted bool `json:"drifted"`
}

func checkPodsOption(opts Options) error {
	switch {
	case !opts.Pods:
		return nil
	case opts.Cluster == nil:
		return fmt.Errorf("%w lists the cluster's pods: add --cluster", ErrPodsOption)
	case opts.Image == nil:
		return fmt.Errorf("%w matches pods by the artifact the webhook placed them for: give IMAGE, not --spec", ErrPodsOption)
	case opts.UpstreamJSON:
		return fmt.Errorf("%w has no place in upstream's --output-json schema: use -o json", ErrPodsOption)
	}
	return nil
}

// placedPods lists the pods bound to the checked nodes that the webhook
// placed for the artifact (webhook.PlacedPods, by the artifact digest of
// their placement annotation), with their node's verdict.
func placedPods(ctx context.Context, copts cluster.Options, artifact string, reports []NodeReport) (*PodsResult, error) {
	c, err := cluster.New(copts)
	if err != nil {
		return nil, err
	}
	pods, err := webhook.PlacedPods(ctx, c, nil)
	if err != nil {
		return nil, err
	}
	return matchPods(pods, artifact, reports), nil
}

// matchPods keeps the pods placed for the artifact on the reports' nodes,
// each with its node's verdict.
func matchPods(pods []webhook.PlacedPod, artifact string, reports []NodeReport) *PodsResult {
	verdicts := make(map[string]string, len(reports))
	for _, r := range reports {
		switch {
		case r.Report == nil:
			verdicts[r.Node] = "error"
		case r.Compatible:
			verdicts[r.Node] = "compatible"
		default:
			verdicts[r.Node] = "incompatible"
		}
	}
	res := &PodsResult{Pods: []PodReport{}}
	for _, p := range pods {
		v, checked := verdicts[p.Node]
		if !checked {
			continue
		}
		for _, img := range p.Decision.Images {
			sets, placed := placedFor(img, artifact)
			if !placed {
				continue
			}
			r := PodReport{Namespace: p.Namespace, Name: p.Name, Node: p.Node, Image: img.Image, Sets: sets,
				NodeVerdict: v, Drifted: v == "incompatible"}
			if r.Drifted {
				res.Drifted++
			}
			res.Pods = append(res.Pods, r)
			break
		}
	}
	return res
}

// placedFor: whether the image was placed by the artifact, itself or (an
// index) one of its platforms, and by which set labels.
func placedFor(img webhook.ImageDecision, artifact string) ([]string, bool) {
	if img.Artifact == artifact {
		return img.Sets, true
	}
	for _, p := range img.Platforms {
		if p.Artifact == artifact {
			return p.Sets, true
		}
	}
	return nil, false
}

// podsTable prints the placed pods after the fleet table.
func podsTable(w io.Writer, res *PodsResult, color bool) error {
	p := output.Color(color)
	if len(res.Pods) == 0 {
		_, err := fmt.Fprintf(w, "\nNo pod placed by nfd-compat-webhook for this artifact runs on the checked nodes\n")
		return err
	}
	fmt.Fprintln(w)
	tw := output.NewTable(w)
	fmt.Fprintln(tw, "POD\tNODE\tNODE VERDICT\tIMAGE")
	for _, r := range res.Pods {
		verdict := p.Green(r.NodeVerdict)
		if r.Drifted {
			verdict = p.Red("incompatible: drifted")
		} else if r.NodeVerdict != "compatible" {
			verdict = p.Red(r.NodeVerdict)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", safetext.Escape(r.Namespace+"/"+r.Name), safetext.Escape(r.Node), verdict, safetext.Escape(r.Image))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%d of %d pods placed for this artifact drifted (their node no longer passes the spec; they keep running)\n", res.Drifted, len(res.Pods))
	return err
}
