package cluster

import (
	"context"
	"encoding/json"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"
)

// listNodeFeatures lists NodeFeature objects in all namespaces matching a
// label selector, page by page.
func (c *Client) listNodeFeatures(ctx context.Context, selector string) ([]nfdv1alpha1.NodeFeature, error) {
	var items []nfdv1alpha1.NodeFeature
	opts := metav1.ListOptions{LabelSelector: selector, Limit: c.pageSize}
	restarted := false
	for {
		list := &nfdv1alpha1.NodeFeatureList{}
		err := c.nfd.Get().Resource("nodefeatures").VersionedParams(&opts, c.params).Do(ctx).Into(list)
		if err != nil && opts.Continue != "" && !restarted && apierrors.IsResourceExpired(err) {
			// The continue token expired (etcd compacted): start over once.
			items, opts.Continue, restarted = nil, "", true
			continue
		}
		if err != nil {
			return nil, explain("NodeFeature objects", selector, err)
		}
		items = append(items, list.Items...)
		if list.Continue == "" {
			return items, nil
		}
		opts.Continue = list.Continue
	}
}

// listNodeNames lists the names of the nodes a label selector selects.
func (c *Client) listNodeNames(ctx context.Context, selector string) ([]string, error) {
	var names []string
	opts := metav1.ListOptions{LabelSelector: selector, Limit: c.pageSize}
	restarted := false
	for {
		list, err := c.listNodesPage(ctx, &opts)
		if err != nil && opts.Continue != "" && !restarted && apierrors.IsResourceExpired(err) {
			names, opts.Continue, restarted = nil, "", true
			continue
		}
		if err != nil {
			return nil, explain("nodes", selector, err)
		}
		for _, n := range list.Items {
			names = append(names, n.Name)
		}
		if list.Continue == "" {
			return names, nil
		}
		opts.Continue = list.Continue
	}
}

// partialMetadataJSON asks the API server for nodes' metadata only, as
// client-go's metadata client does (which would add a scheme of its own at
// init); a server that ignores it sends a NodeList, whose items' metadata
// decode alike.
const partialMetadataJSON = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"

// listNodesPage lists one page of nodes' metadata.
func (c *Client) listNodesPage(ctx context.Context, opts *metav1.ListOptions) (*metav1.PartialObjectMetadataList, error) {
	res := c.core.Get().Resource("nodes").VersionedParams(opts, c.params).
		SetHeader("Accept", partialMetadataJSON).Do(ctx)
	// Error, unlike Raw, turns an API server's Status into a StatusError.
	if err := res.Error(); err != nil {
		return nil, err
	}
	raw, err := res.Raw()
	if err != nil {
		return nil, err
	}
	list := &metav1.PartialObjectMetadataList{}
	if err := json.Unmarshal(raw, list); err != nil {
		return nil, fmt.Errorf("decode node list: %w", err)
	}
	return list, nil
}

// explain says what was listed and what to do about common failures.
func explain(what, selector string, err error) error {
	sel := ""
	if selector != "" {
		sel = fmt.Sprintf(" (selector %q)", selector)
	}
	switch {
	case apierrors.IsNotFound(err):
		return fmt.Errorf("list %s%s: %w; is NFD installed (its CRDs nodefeatures.nfd.k8s-sigs.io)?", what, sel, err)
	case apierrors.IsUnauthorized(err):
		return fmt.Errorf("list %s%s: %w; the API server did not accept the kubeconfig's credentials (wrong or expired token or certificate)", what, sel, err)
	case apierrors.IsForbidden(err):
		scope := " in all namespaces"
		if what == "nodes" { // cluster-scoped
			scope = ""
		}
		return fmt.Errorf("list %s%s: %w; the credentials need list permission on %s%s (a ClusterRole bound to the user)", what, sel, err, what, scope)
	case apierrors.IsResourceExpired(err), apierrors.IsGone(err):
		return fmt.Errorf("list %s%s: %w; the cluster changed while paging, run again", what, sel, err)
	}
	return fmt.Errorf("list %s%s: %w", what, sel, err)
}
