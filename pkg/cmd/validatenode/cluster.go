package validatenode

import (
	"context"

	"github.com/nfd-compat/nfd-compat/pkg/cluster"
	"github.com/nfd-compat/nfd-compat/pkg/features"
)

// loadClusterNodes reads every node's NodeFeature objects (those of the
// nodes opts.NodeSelector selects) from the cluster: the cluster is one more
// source of nodes for fleet mode. A selected node without NodeFeature
// objects has nil Features and becomes an error row.
func loadClusterNodes(ctx context.Context, opts cluster.Options) ([]features.Node, bool, error) {
	c, err := cluster.New(opts)
	if err != nil {
		return nil, false, err
	}
	nodes, err := c.AllNodes(ctx)
	if err != nil {
		return nil, false, err
	}
	return nodes, true, nil
}
