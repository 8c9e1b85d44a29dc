package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/nfd-compat/nfd-compat/internal/cli/option"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/ruletools"
	"github.com/nfd-compat/nfd-compat/pkg/output"
	"github.com/nfd-compat/nfd-compat/pkg/rules"
)

const rulesExitCodes = `
Exit codes: 0 clean, 2 any error (invalid objects, unreadable files).`

func validateRulesCommand() *cobra.Command {
	var (
		flags  ruleFlags
		strict bool
	)
	cmd := &cobra.Command{
		Use:   "validate -f FILE...",
		Short: "Validate NodeFeatureRule and NodeFeatureGroup objects with NFD's own checks",
		Long: `Check NodeFeatureRule and NodeFeatureGroup objects (several YAML documents per
file, List kinds, - for stdin) with NFD's validation: rule names, label,
annotation, taint and extended resource names and values (unprefixed keys as
nfd-master prefixes them), dynamic values, templates, feature names, and every
match expression against NFD's operators. Every problem is printed with its
file, line, object, rule and field. Unlike kubectl-nfd, problems fail the run.
` + rulesExitCodes + ` With --strict, warnings fail too.`,
		Example: `  nfd-compat validate -f rules.yaml
  kubectl get nodefeaturerules -o yaml | nfd-compat validate -f -
  nfd-compat validate -f rules.yaml -f groups.yaml -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fs, format, err := flags.parse(cmd, nil)
			if err != nil {
				return err
			}
			return ruletools.Validate(cmd.Context(), ruletools.ValidateOptions{Files: fs, Strict: strict, Output: format, Stdout: cmd.OutOrStdout()})
		},
	}
	flags.add(cmd)
	cmd.Flags().BoolVar(&strict, "strict", false, "fail on warnings too")
	return cmd
}

func dryRunCommand() *cobra.Command {
	var (
		flags    ruleFlags
		features []string
	)
	cmd := &cobra.Command{
		Use:   "dryrun -f RULES -n FEATURES",
		Short: "Show what NFD would create on a node from NodeFeatureRules and its features file",
		Long: `Run NodeFeatureRules and NodeFeatureGroups against a node's features as
nfd-master does (rules sorted by object name, rule.matched back-references,
default namespaces for unprefixed keys, dynamic @domain.feature.element values)
and print the labels, annotations, extended resources, taints and vars NFD would
create, and NodeFeatureGroup membership. FEATURES is a NodeFeature object (as
kubectl-nfd takes it), a NodeFeatureList, or ` + "`export-features`" + ` JSON; every node in
it is run. Assumes nfd-master's default configuration.

Exit codes: 0 success, 2 rules that cannot be read, rules NFD could not run or
outputs it would drop (all printed).`,
		Example: `  nfd-compat dryrun -f rules.yaml -n nodefeature.yaml
  nfd-compat export-features > node.json && nfd-compat dryrun -f rules.yaml -n node.json -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fs, format, err := flags.parse(cmd, func() error {
				if len(features) == 0 {
					return errors.New("no features: pass -n FILE (a NodeFeature object or export-features JSON)")
				}
				return nil
			})
			if err != nil {
				return err
			}
			return ruletools.DryRun(cmd.Context(), ruletools.DryRunOptions{Rules: fs, FeatureFiles: features, Output: format, Stdout: cmd.OutOrStdout()})
		},
	}
	flags.add(cmd)
	cmd.Flags().StringArrayVarP(&features, "nodefeature-file", "n", nil, "features: NodeFeature YAML/JSON or export-features JSON, or a directory; repeatable")
	return cmd
}

func testRulesCommand() *cobra.Command {
	var (
		flags ruleFlags
		kube  option.Kube
		node  string
	)
	cmd := &cobra.Command{
		Use:   "test -f RULES --node NAME",
		Short: "Show what NFD would create on a cluster node from NodeFeatureRules",
		Long: `Like dryrun, against a live node: list the node's NodeFeature objects in all
namespaces by NFD's nfd.node.kubernetes.io/node-name label, merge them as
nfd-master does, and run the rules. The cluster is found as kubectl finds it:
--kubeconfig, else $KUBECONFIG, else ~/.kube/config, else the in-cluster
service account. Needs list permission on nodefeatures.nfd.k8s-sigs.io.

Exit codes: 0 success, 2 errors (cluster unreachable, node without NodeFeature
objects, unreadable rules, rules NFD could not run, outputs it would drop).`,
		Example: `  nfd-compat test -f rules.yaml --node worker-1
  nfd-compat test -f rules.yaml --node worker-1 --kubeconfig ~/.kube/prod -o yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fs, format, err := flags.parse(cmd, nil)
			if err != nil {
				return err
			}
			return ruletools.Test(cmd.Context(), ruletools.TestOptions{Rules: fs, Node: node, Cluster: kube.Options(), Output: format, Stdout: cmd.OutOrStdout()})
		},
	}
	flags.add(cmd)
	kube.AddFlags(cmd.Flags())
	cmd.Flags().StringVar(&node, "node", "", "the node's name")
	return cmd
}

// readRuleFiles reads each -f file, "-" from stdin (once).
// ruleFlags are the flags of the commands that run NodeFeatureRules:
// -o and -f.
type ruleFlags struct {
	out   option.Output
	files []string
}

func (f *ruleFlags) add(cmd *cobra.Command) {
	f.out.AddFlags(cmd.Flags())
	cmd.Flags().StringArrayVarP(&f.files, "file", "f", nil, "file of NodeFeatureRule/NodeFeatureGroup objects (- for stdin); repeatable")
}

// parse returns the -f rules and the -o format, running check (when not
// nil) after the format and before the rules are read.
func (f *ruleFlags) parse(cmd *cobra.Command, check func() error) ([]ruletools.File, output.Format, error) {
	format, err := f.out.Parse()
	if err != nil {
		return nil, "", err
	}
	if check != nil {
		if err := check(); err != nil {
			return nil, "", err
		}
	}
	fs, err := readRuleFiles(cmd, f.files)
	return fs, format, err
}

func readRuleFiles(cmd *cobra.Command, paths []string) ([]ruletools.File, error) {
	if len(paths) == 0 {
		return nil, errors.New("no rules: pass -f FILE (- for stdin)")
	}
	var out []ruletools.File
	stdin := false
	for _, p := range paths {
		var r io.Reader
		name := p
		if p == "-" {
			if stdin {
				return nil, errors.New("-f - is given twice: stdin can be read once")
			}
			stdin, r, name = true, cmd.InOrStdin(), "<stdin>"
		} else {
			f, err := os.Open(p)
			if err != nil {
				return nil, fmt.Errorf("read rules: %w", err)
			}
			defer f.Close()
			r = f
		}
		data, err := io.ReadAll(io.LimitReader(r, rules.MaxSize+1))
		if err != nil {
			return nil, fmt.Errorf("read rules %s: %w", name, err)
		}
		if len(data) > rules.MaxSize {
			return nil, fmt.Errorf("rules file %s is over the %d byte limit", name, rules.MaxSize)
		}
		out = append(out, ruletools.File{Name: name, Data: data})
	}
	return out, nil
}
