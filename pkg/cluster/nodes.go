package cluster

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"

	"github.com/nfd-compat/nfd-compat/pkg/features"
)

// NoNodeFeatures is the Source of a node AllNodes returns without features
// (nil Features): the node selector chose it but it has no NodeFeature object.
const NoNodeFeatures = "no NodeFeature objects for this node: is nfd-worker running there?"

// Node returns one node's features: its NodeFeature objects in all
// namespaces, selected by the nfd.node.kubernetes.io/node-name label, merged
// as nfd-master does. It is an error when the node has none.
func (c *Client) Node(ctx context.Context, name string) (features.Node, error) {
	sel := labels.SelectorFromSet(labels.Set{nfdv1alpha1.NodeFeatureObjNodeNameLabel: name})
	objs, err := c.listNodeFeatures(ctx, sel.String())
	if err != nil {
		return features.Node{}, err
	}
	if len(objs) == 0 {
		return features.Node{}, fmt.Errorf("node %q has no NodeFeature objects (none labelled %s=%s in any namespace): check the node name and that nfd-worker runs there", name, nfdv1alpha1.NodeFeatureObjNodeNameLabel, name)
	}
	return merge(name, objs, c.opts.NFDNamespace), nil
}

// AllNodes returns the features of every node that has NodeFeature objects,
// sorted by name. With Options.NodeSelector, only the selected nodes; a
// selected node without NodeFeature objects is returned with nil Features
// and Source NoNodeFeatures.
func (c *Client) AllNodes(ctx context.Context) ([]features.Node, error) {
	var want []string
	if c.opts.NodeSelector != "" {
		if _, err := labels.Parse(c.opts.NodeSelector); err != nil {
			return nil, fmt.Errorf("--selector %q: %w", c.opts.NodeSelector, err)
		}
		names, err := c.listNodeNames(ctx, c.opts.NodeSelector)
		if err != nil {
			return nil, err
		}
		if len(names) == 0 {
			return nil, fmt.Errorf("no node matches --selector %q", c.opts.NodeSelector)
		}
		want = names
	}
	req, err := labels.NewRequirement(nfdv1alpha1.NodeFeatureObjNodeNameLabel, selection.Exists, nil)
	if err != nil {
		return nil, err
	}
	objs, err := c.listNodeFeatures(ctx, labels.NewSelector().Add(*req).String())
	if err != nil {
		return nil, err
	}
	byNode := map[string][]nfdv1alpha1.NodeFeature{}
	for _, o := range objs {
		n := o.Labels[nfdv1alpha1.NodeFeatureObjNodeNameLabel]
		byNode[n] = append(byNode[n], o)
	}
	if want == nil {
		if len(byNode) == 0 {
			return nil, fmt.Errorf("the cluster has no NodeFeature objects labelled %s: is NFD (nfd-worker) deployed?", nfdv1alpha1.NodeFeatureObjNodeNameLabel)
		}
		for n := range byNode {
			want = append(want, n)
		}
	}
	slices.Sort(want)
	nodes := make([]features.Node, 0, len(want))
	for _, n := range want {
		if objs, ok := byNode[n]; ok {
			nodes = append(nodes, merge(n, objs, c.opts.NFDNamespace))
		} else {
			nodes = append(nodes, features.Node{Name: n, Source: NoNodeFeatures})
		}
	}
	return nodes, nil
}

// merge merges a node's NodeFeature objects with features.MergeNodeFeatures
// (nfd-master's order and merge). Source lists the objects as
// namespace/name in merge order.
func merge(node string, objs []nfdv1alpha1.NodeFeature, nfdNamespace string) features.Node {
	ptrs := make([]*nfdv1alpha1.NodeFeature, len(objs))
	for i := range objs {
		ptrs[i] = &objs[i]
	}
	f, order := features.MergeNodeFeatures(ptrs, nfdNamespace)
	names := make([]string, len(order))
	for k, i := range order {
		names[k] = objs[i].Namespace + "/" + objs[i].Name
	}
	return features.Node{Name: node, Source: "NodeFeature " + strings.Join(names, ", "), Features: f}
}
