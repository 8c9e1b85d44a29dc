package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/nfd-compat/nfd-compat/internal/cli/option"
	"github.com/nfd-compat/nfd-compat/pkg/cluster"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/schedule"
	"github.com/nfd-compat/nfd-compat/pkg/output"
)

// maxManifest bounds a --patch manifest.
const maxManifest = 8 << 20

func scheduleCommand() *cobra.Command {
	var (
		image     imageFlags
		log       option.Log
		outFlag   string
		specFile  string
		digest    string
		name      string
		prefix    string
		patchFile string
		apply     bool
		kube      cluster.Options
	)
	cmd := &cobra.Command{
		Use:   "schedule [IMAGE | --spec FILE]",
		Short: "Emit a NodeFeatureRule labelling compatible nodes and a pod nodeAffinity for them",
		Long: `Turn an image's compatibility spec into what Kubernetes and NFD understand:
a NodeFeatureRule that labels the nodes satisfying each compatibility set with
<prefix>/<repository>.<set tag>=true, and a pod nodeAffinity that requires any
set (one nodeSelectorTerm per set) and prefers the best one (each set's weight
scaled so the highest is 100, at least 1). -o yaml (default) prints the rule
for kubectl apply and the affinity as a comment; -o json prints both; --patch
writes the affinity into a workload manifest (Pod, Deployment, StatefulSet,
DaemonSet, ReplicaSet, Job, CronJob) and prints it, merging with its affinity.
--apply server-side applies the rule to the cluster (--kubeconfig, else
$KUBECONFIG, ~/.kube/config, in-cluster) as field manager nfd-compat and
prints "created", "configured" or "unchanged" (to stderr with --patch); it
needs get and patch on nodefeaturerules.nfd.k8s-sigs.io.
See docs/rules.md for the naming and the weight mapping.

Exit codes: 0 success, 2 error, 3 no compatibility artifact.`,
		Example: `  nfd-compat schedule registry.example.com/team/app:v1 | kubectl apply -f -
  nfd-compat schedule --spec spec.yaml --name team/app -o json
  nfd-compat schedule registry.example.com/team/app:v1 --patch deploy.yaml > deploy-compat.yaml
  nfd-compat schedule registry.example.com/team/app:v1 --apply --patch deploy.yaml | kubectl apply -f -`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if outFlag == "" {
				outFlag = string(output.YAML)
			}
			format, err := output.ParseFormat(outFlag)
			if err != nil {
				return err
			}
			opts := schedule.Options{Digest: digest, Repository: name, LabelPrefix: prefix, Output: format,
				Stdout: cmd.OutOrStdout(), Stderr: cmd.ErrOrStderr(), Log: log.Logger(cmd.ErrOrStderr())}
			if apply {
				opts.Apply = &kube
			} else if kube.Kubeconfig != "" || kube.Context != "" {
				return errors.New("--kubeconfig and --context say where --apply applies the rule: add --apply")
			}
			in, err := imageOrSpecFile(cmd, &image, firstArg(args), specFile, "--spec", "schedule")
			if err != nil {
				return err
			}
			opts.Image, opts.Spec, opts.SpecName = in.Image, in.Data, in.Name
			if patchFile != "" {
				f, err := os.Open(patchFile)
				if err != nil {
					return fmt.Errorf("--patch: %w", err)
				}
				defer f.Close()
				if opts.Patch, err = io.ReadAll(io.LimitReader(f, maxManifest)); err != nil {
					return fmt.Errorf("--patch %s: %w", patchFile, err)
				}
				opts.PatchName = patchFile
			}
			return schedule.Run(cmd.Context(), opts)
		},
	}
	image.add(cmd, "use this platform's manifest of an index (default: this host's)")
	log.AddFlags(cmd.Flags())
	fs := cmd.Flags()
	fs.StringVarP(&outFlag, "output", "o", "yaml", "output format: yaml (for kubectl apply), json or table")
	fs.StringVar(&specFile, "spec", "", "use a local spec file (- for stdin) instead of an image's artifact")
	fs.StringVar(&digest, "digest", "", "use the artifact with this digest instead of the newest")
	fs.StringVar(&name, "name", "", "repository name for labels and the rule (default: IMAGE's repository, or the spec file's base name)")
	fs.StringVar(&prefix, "label-prefix", "", "label key prefix (default compat.nfd-compat.io)")
	fs.StringVar(&patchFile, "patch", "", "workload manifest to write the affinity into; the patched manifest is printed")
	fs.BoolVar(&apply, "apply", false, "server-side apply the NodeFeatureRule to the cluster (field manager nfd-compat) instead of printing it")
	fs.StringVar(&kube.Kubeconfig, "kubeconfig", "", "with --apply: kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then the in-cluster service account)")
	fs.StringVar(&kube.Context, "context", "", "with --apply: kubeconfig context (default: the current one)")
	return cmd
}
