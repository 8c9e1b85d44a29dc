package schedule

import (
	"context"
	"fmt"

	"k8s.io/client-go/dynamic"
	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"

	"github.com/nfd-compat/nfd-compat/pkg/cluster"
	gen "github.com/nfd-compat/nfd-compat/pkg/schedule"
)

// FieldManager is the server-side apply field manager of schedule --apply.
const FieldManager = "nfd-compat"

// applyRule server-side applies the rule to the cluster copts names
// (gen.ApplyRule). client-go's dynamic client costs about 0.05 ms and 30 KB
// at process start (GODEBUG=inittrace=1), unlike the typed clientset
// pkg/cluster avoids.
func applyRule(ctx context.Context, copts cluster.Options, nfr *nfdv1alpha1.NodeFeatureRule) (string, error) {
	cfg, err := cluster.RESTConfig(copts)
	if err != nil {
		return "", err
	}
	dc, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return "", fmt.Errorf("client for %s: %w", cfg.Host, err)
	}
	return gen.ApplyRule(ctx, dc, FieldManager, nfr)
}
