package cli

import (
	"errors"
	"time"

	"github.com/spf13/cobra"

	"github.com/nfd-compat/nfd-compat/internal/cli/option"
	"github.com/nfd-compat/nfd-compat/internal/startup"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/validatenode"
)

func validateNodeCommand() *cobra.Command {
	var (
		image        imageFlags
		out          option.Output
		discover     option.Discover
		log          option.Log
		imageFlag    string
		specFile     string
		digest       string
		tags         []string
		featureFiles []string
		outputJSON   bool
		noColor      bool
		timeout      option.Timeout
		inCluster    bool
		kube         option.Kube
		selector     string
		pods         bool
		cacheDir     string
		noCache      bool
	)
	cmd := &cobra.Command{
		Use:   "validate-node [IMAGE]",
		Short: "Check this host (or nodes' exported features) against an image's compatibility spec",
		Long: `Find the image's newest compatibility artifact (for an index: the host
platform's manifest's first, then the index's), discover this host's features
with NFD's sources (only those the spec needs, unless --sources), evaluate
every compatibility set and print the verdict with what failed and why.

With --features-file (repeatable; files or directories of exported features or
NodeFeature objects) nodes are checked offline, one row per node. With
--cluster, every node's NodeFeature objects are read from the cluster NFD runs
in (--kubeconfig, else $KUBECONFIG, ~/.kube/config, in-cluster; --selector
limits to nodes with those labels), one verdict per node. --pods (with
--cluster and IMAGE) also lists the pods nfd-compat-webhook placed for the
artifact (by the artifact digest of their compat.nfd-compat.io/placement
annotation; --digest for an older artifact) on the checked nodes, marking
drifted those whose node no longer passes the spec: they keep running
(required node affinity is IgnoredDuringExecution). The exit code stays the
nodes' verdict; -o json has the count in placedPods.drifted.

Exit codes: 0 compatible (fleet, --cluster: at least one node), 1 incompatible, 2 error,
3 no compatibility artifact or no set left after --tags.`,
		Example: `  nfd-compat validate-node registry.example.com/app:v1
  nfd-compat validate-node --image registry.example.com/app:v1 --tags prefered --output-json
  nfd-compat validate-node --spec spec.yaml
  nfd-compat validate-node registry.example.com/app:v1 --host-root /host
  nfd-compat validate-node registry.example.com/app:v1 --features-file ./nodes/ -o json
  nfd-compat validate-node --cluster registry.example.com/app:v1 --selector node-role.kubernetes.io/worker= -o json
  nfd-compat validate-node --cluster registry.example.com/app:v1 --pods`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := out.Parse()
			if err != nil {
				return err
			}
			if err := timeout.Check(); err != nil {
				return err
			}
			if err := checkDigest(digest); err != nil {
				return err
			}
			if err := checkCacheDir(cacheDir); err != nil {
				return err
			}
			logger := log.Logger(cmd.ErrOrStderr())
			opts := validatenode.Options{
				Digest: digest, Tags: tags, FeatureFiles: featureFiles,
				Discover: discover.Options(logger), Output: format, UpstreamJSON: outputJSON,
				Color: !noColor && isTerminal(cmd), Timeout: timeout.Value,
				Stdout: cmd.OutOrStdout(), Log: logger,
			}
			switch {
			case noCache:
			case cacheDir != "":
				opts.CacheDir = cacheDir
			default:
				opts.CacheDir = validatenode.DefaultCacheDir()
				if opts.CacheDir == "" {
					logger.Debug("no user cache directory ($XDG_CACHE_HOME, $HOME): running without the cache")
				}
			}
			if inCluster {
				if len(featureFiles) > 0 {
					return errors.New("--cluster and --features-file exclude each other: pick one source of nodes")
				}
				copts := kube.Options()
				copts.NodeSelector = selector
				opts.Cluster = &copts
			} else if selector != "" {
				return errors.New("--selector selects cluster nodes: add --cluster")
			}
			opts.Pods = pods
			if len(featureFiles) > 0 || inCluster {
				// Fleet and cluster modes decode and evaluate in parallel.
				startup.AllProcs()
			}
			ref := imageFlag
			switch {
			case len(args) == 1 && imageFlag != "" && args[0] != imageFlag:
				return errors.New("IMAGE and --image name different images: give one")
			case len(args) == 1:
				ref = args[0]
			}
			in, err := imageOrSpecFile(cmd, &image, ref, specFile, "--spec", "validate against")
			if err != nil {
				return err
			}
			opts.Image, opts.Spec, opts.SpecName = in.Image, in.Data, in.Name
			return validatenode.Run(cmd.Context(), opts)
		},
	}
	image.add(cmd, "choose this platform's manifest of an index (default: this host's)")
	out.AddFlags(cmd.Flags())
	discover.AddFlags(cmd.Flags(), "feature sources to run (default: the ones the spec's rules use)")
	log.AddFlags(cmd.Flags())
	fs := cmd.Flags()
	fs.StringVar(&imageFlag, "image", "", "the image (upstream nfd compat's spelling of IMAGE)")
	fs.StringVar(&specFile, "spec", "", "validate against a local spec file (- for stdin) instead of an image's artifact")
	fs.StringVar(&digest, "digest", "", "use the artifact with this digest instead of the newest")
	fs.StringSliceVar(&tags, "tags", nil, "consider only compatibility sets with these tags")
	fs.StringArrayVar(&featureFiles, "features-file", nil, "features of a node (export-features JSON or NodeFeature YAML/JSON) or a directory of them; repeatable")
	fs.BoolVar(&outputJSON, "output-json", false, "print upstream nfd compat validate-node's JSON")
	fs.BoolVar(&noColor, "no-color", false, "never colour the table")
	timeout.AddFlags(fs, time.Minute)
	fs.BoolVar(&inCluster, "cluster", false, "check every node of the Kubernetes cluster (its NFD NodeFeature objects)")
	fs.StringVar(&selector, "selector", "", "with --cluster: only nodes with these labels (a label selector, e.g. kubernetes.io/arch=amd64)")
	fs.BoolVar(&pods, "pods", false, "with --cluster and IMAGE: also list the pods nfd-compat-webhook placed for the artifact and which drifted (needs list on pods)")
	fs.StringVar(&cacheDir, "cache-dir", "", "cache artifact manifests, specs and indexes by digest here (default: $XDG_CACHE_HOME/nfd-compat or ~/.cache/nfd-compat); referrer lists are never cached")
	fs.BoolVar(&noCache, "no-cache", false, "neither read nor write the cache")
	kube.AddFlags(fs)
	return cmd
}

// isTerminal reports whether the command writes to a terminal, the only
// place where colours belong.
func isTerminal(cmd *cobra.Command) bool { return option.IsTerminal(cmd.OutOrStdout()) }
