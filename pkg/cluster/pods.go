package cluster

import (
	"context"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// BoundPods selects the pods bound to a node that have not ended: those
// that hold a node (Pending with a node while their images are pulled,
// Running, or Unknown).
const BoundPods = "spec.nodeName!=,status.phase!=Succeeded,status.phase!=Failed"

// Pods lists the pods of all namespaces a field selector selects, page by
// page, calling each for every pod of a page (so only a page is held in
// memory). An error from each stops the listing and is returned as is.
func (c *Client) Pods(ctx context.Context, fieldSelector string, each func(*corev1.Pod) error) error {
	opts := metav1.ListOptions{FieldSelector: fieldSelector, Limit: c.pageSize}
	for {
		res := c.core.Get().Resource("pods").VersionedParams(&opts, c.params).Do(ctx)
		// An expired continue token is not restarted: the pages already
		// handed to each cannot be taken back (explain says to run again).
		if err := res.Error(); err != nil {
			return explain("pods", "", err)
		}
		raw, err := res.Raw()
		if err != nil {
			return explain("pods", "", err)
		}
		list := &corev1.PodList{}
		if err := json.Unmarshal(raw, list); err != nil {
			return fmt.Errorf("decode pod list: %w", err)
		}
		for i := range list.Items {
			if err := each(&list.Items[i]); err != nil {
				return err
			}
		}
		if list.Continue == "" {
			return nil
		}
		opts.Continue = list.Continue
	}
}

// NodeLabels returns the labels of every node (those Options.NodeSelector
// selects, when set), by node name, from the nodes' metadata only.
func (c *Client) NodeLabels(ctx context.Context) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	opts := metav1.ListOptions{LabelSelector: c.opts.NodeSelector, Limit: c.pageSize}
	restarted := false
	for {
		list, err := c.listNodesPage(ctx, &opts)
		if err != nil && opts.Continue != "" && !restarted && apierrors.IsResourceExpired(err) {
			out, opts.Continue, restarted = map[string]map[string]string{}, "", true
			continue
		}
		if err != nil {
			return nil, explain("nodes", c.opts.NodeSelector, err)
		}
		for _, n := range list.Items {
			out[n.Name] = n.Labels
		}
		if list.Continue == "" {
			return out, nil
		}
		opts.Continue = list.Continue
	}
}
