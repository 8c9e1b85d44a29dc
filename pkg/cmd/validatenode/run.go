package validatenode

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"

	"github.com/nfd-compat/nfd-compat/pkg/compat"
	"github.com/nfd-compat/nfd-compat/pkg/features"
	"github.com/nfd-compat/nfd-compat/pkg/output"
	"github.com/nfd-compat/nfd-compat/pkg/spec"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// Run loads the spec, gets the features of this host (or of the nodes in
// FeatureFiles), evaluates and prints. It returns compat.ErrIncompatible when no
// node is compatible, and errors wrapping artifact.ErrNoArtifact or
// compat.ErrNoApplicableSet when there is nothing to evaluate.
func Run(ctx context.Context, opts Options) error {
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Timeout)
		defer cancel()
	}
	err := run(ctx, opts)
	if errors.Is(err, context.DeadlineExceeded) && opts.Timeout > 0 {
		return target.GaveUp(opts.Timeout, err)
	}
	return err
}

func run(ctx context.Context, opts Options) error {
	if err := checkPodsOption(opts); err != nil {
		return err
	}
	src, err := loadSpec(ctx, opts)
	if err != nil {
		return err
	}
	// Tags that leave no set are the spec's problem, not any node's.
	if err := compat.Applicable(src.spec, compat.Options{Tags: opts.Tags}); err != nil {
		return err
	}
	nodes, fleet, err := loadNodes(ctx, opts, src.spec)
	if err != nil {
		return err
	}
	reports := evaluateAll(ctx, src, nodes, opts.Tags)
	if err := ctx.Err(); err != nil {
		// No verdict from a cut-short evaluation.
		return fmt.Errorf("evaluating the spec stopped: %w", context.Cause(ctx))
	}
	var pods *PodsResult
	if opts.Pods {
		if pods, err = placedPods(ctx, *opts.Cluster, src.artifact, reports); err != nil {
			return err
		}
	}
	if err := render(opts, src, reports, fleet, pods); err != nil {
		return err
	}
	for _, r := range reports {
		if r.Report != nil && r.Compatible {
			return nil
		}
	}
	for _, r := range reports {
		if r.Error != "" {
			return fmt.Errorf("node %s: %s", r.Node, r.Error)
		}
	}
	return compat.ErrIncompatible
}

// loadNodes discovers this host, or loads the feature files.
func loadNodes(ctx context.Context, opts Options, s *spec.Spec) ([]features.Node, bool, error) {
	if opts.Cluster != nil {
		return loadClusterNodes(ctx, *opts.Cluster)
	}
	if len(opts.FeatureFiles) > 0 {
		nodes, err := features.LoadPathsKeeping(opts.FeatureFiles, specFeatures(s))
		if err != nil {
			return nil, false, err
		}
		return nodes, len(nodes) > 1, nil
	}
	dopts := opts.Discover
	if len(dopts.Sources) == 0 {
		// Discover only what the spec asks about: a spec on cpu.cpuid must
		// not pay for pci, usb and storage discovery.
		dopts.Sources = features.SourcesForDomains(spec.Domains(s))
	}
	// Nor read what the chosen sources could give that no rule names: a
	// spec on kernel.version does not pay for parsing the kconfig.
	dopts.Keep = specFeatures(s)
	dopts.Log = opts.Log
	f, err := features.Discover(ctx, dopts)
	if err != nil {
		return nil, false, fmt.Errorf("discover this host's features: %w", err)
	}
	name, _ := os.Hostname()
	return []features.Node{{Name: name, Source: "this host", Features: f}}, false, nil
}

// evaluateAll evaluates every node concurrently; results keep node order.
func evaluateAll(ctx context.Context, src *specSource, nodes []features.Node, tags []string) []NodeReport {
	reports := make([]NodeReport, len(nodes))
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(nodes)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				reports[i] = evaluateNode(ctx, src, nodes[i], tags)
			}
		}()
	}
	for i := range nodes {
		work <- i
	}
	close(work)
	wg.Wait()
	return reports
}

func evaluateNode(ctx context.Context, src *specSource, n features.Node, tags []string) NodeReport {
	r := NodeReport{Node: n.Name, Source: n.Source}
	if n.Features == nil { // a cluster node without NodeFeature objects
		r.Error = n.Source
		return r
	}
	rep, err := compat.EvaluateContext(ctx, src.spec, n.Features, compat.Options{Tags: tags})
	if err != nil {
		r.Error = err.Error()
		return r
	}
	r.Report = rep
	return r
}

// NodeReport is one node's verdict; the JSON/YAML schema of validate-node.
type NodeReport struct {
	Node   string `json:"node,omitempty"`
	Source string `json:"source,omitempty"`
	*compat.Report
	Error string `json:"error,omitempty"`
}

// Result is what validate-node prints with -o json|yaml for a single host:
// the node's report with where the spec came from.
type Result struct {
	Image    string `json:"image,omitempty"`
	Artifact string `json:"artifact,omitempty"`
	NodeReport
}

// FleetResult is what validate-node prints with -o json|yaml for several nodes.
type FleetResult struct {
	Image      string       `json:"image,omitempty"`
	Artifact   string       `json:"artifact,omitempty"`
	Compatible int          `json:"compatibleNodes"`
	Nodes      []NodeReport `json:"nodes"`
	// PlacedPods, with --pods: the pods placed for the artifact.
	PlacedPods *PodsResult `json:"placedPods,omitempty"`
}

func render(opts Options, src *specSource, reports []NodeReport, fleet bool, pods *PodsResult) error {
	switch {
	case opts.UpstreamJSON:
		return writeUpstreamJSON(opts.Stdout, reports)
	case opts.Output == output.JSON || opts.Output == output.YAML:
		if fleet {
			fr := FleetResult{Image: src.image, Artifact: src.artifact, Nodes: reports, PlacedPods: pods}
			for _, r := range reports {
				if r.Report != nil && r.Compatible {
					fr.Compatible++
				}
			}
			return output.Encode(opts.Stdout, opts.Output, fr)
		}
		return output.Encode(opts.Stdout, opts.Output, Result{Image: src.image, Artifact: src.artifact, NodeReport: reports[0]})
	case fleet:
		if err := fleetTable(opts.Stdout, src, reports, opts.Color); err != nil || pods == nil {
			return err
		}
		return podsTable(opts.Stdout, pods, opts.Color)
	}
	return hostTable(opts.Stdout, src, reports[0], opts.Color)
}
