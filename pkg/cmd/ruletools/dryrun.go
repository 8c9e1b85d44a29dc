package ruletools

import (
	"context"
	"fmt"
	"strings"

	"github.com/nfd-compat/nfd-compat/pkg/cluster"
	"github.com/nfd-compat/nfd-compat/pkg/features"
	"github.com/nfd-compat/nfd-compat/pkg/rules"
)

// RunReport is what dryrun and test print with -o json|yaml.
type RunReport struct {
	Nodes []rules.NodeResult `json:"nodes"`
}

// DryRun runs the rules against every node of the feature files and prints
// what NFD would create. It returns an error wrapping ErrInvalid when the
// rules cannot be decoded, and ErrRejected when NFD would skip a rule or
// drop an output.
func DryRun(_ context.Context, opts DryRunOptions) error {
	objs, err := decoded(opts.Rules)
	if err != nil {
		return err
	}
	nodes, err := features.LoadPaths(opts.FeatureFiles)
	if err != nil {
		return err
	}
	return runAndRender(objs, nodes, opts.Output, opts.Stdout)
}

// Test reads the node's NodeFeature objects from the cluster, merges them as
// nfd-master does and runs the rules like DryRun.
func Test(ctx context.Context, opts TestOptions) error {
	if opts.Node == "" {
		return fmt.Errorf("no node given: pass --node NAME (a node name as `kubectl get nodes` prints it)")
	}
	objs, err := decoded(opts.Rules)
	if err != nil {
		return err
	}
	c, err := cluster.New(opts.Cluster)
	if err != nil {
		return err
	}
	n, err := c.Node(ctx, opts.Node)
	if err != nil {
		return err
	}
	return runAndRender(objs, []features.Node{n}, opts.Output, opts.Stdout)
}

// decoded parses the rule files; any parse problem is fatal.
func decoded(files []File) ([]rules.Object, error) {
	objs, ps := parse(files)
	if len(ps) > 0 {
		msgs := make([]string, len(ps))
		for i, p := range ps {
			msgs[i] = p.String()
		}
		return nil, fmt.Errorf("%w:\n\t%s", ErrInvalid, strings.Join(msgs, "\n\t"))
	}
	return objs, nil
}
