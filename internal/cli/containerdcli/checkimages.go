package containerdcli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/nfd-compat/nfd-compat/internal/cli/companion"
	"github.com/nfd-compat/nfd-compat/internal/cli/option"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/checkimages"
)

func checkImagesCommand() *cobra.Command {
	var (
		ctrd      ctrdFlags
		pol       policyFlags
		remote    option.Remote
		discover  option.Discover
		out       option.Output
		log       option.Log
		all       bool
		hostsDirs []string
		parallel  int
	)
	cmd := companion.CheckImages()
	cmd.Args = cobra.NoArgs
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		format, err := out.Parse()
		if err != nil {
			return err
		}
		topts, err := remote.Options(cmd.InOrStdin())
		if err != nil {
			return err
		}
		logger := log.Logger(cmd.ErrOrStderr())
		ctrd.logPick(cmd.Flags(), logger)
		p, err := pol.load(cmd.Flags(), logger)
		if err != nil {
			return err
		}
		if cmd.Flags().Changed("hosts-dir") {
			topts.HostsDir = strings.Join(hostsDirs, ":")
		}
		opts := checkimages.Options{
			Address: ctrd.address, Namespace: ctrd.namespace, AllNamespaces: all,
			Policy: p, Target: topts, Discover: discover.Options(logger), Parallel: parallel,
			Output: format, Stdout: cmd.OutOrStdout(),
		}
		if log.Verbose { // one decision line per image
			opts.Log = logger
		}
		return checkimages.Run(cmd.Context(), opts)
	}
	fs := cmd.Flags()
	ctrd.add(fs, true)
	pol.add(fs)
	_ = fs.MarkHidden("on-missing")
	_ = fs.MarkHidden("on-error")
	remote.AddFlags(fs)
	_ = fs.MarkHidden("oci-layout")
	discover.AddFlags(fs, "ignored: each check runs the sources its spec's rules need")
	_ = fs.MarkHidden("sources")
	out.AddFlags(fs)
	log.AddFlags(fs)
	fs.BoolVarP(&all, "all-namespaces", "A", false, "check the images of every namespace")
	fs.StringSliceVar(&hostsDirs, "hosts-dir", nil, "directories of <registry>/hosts.toml (default: the policy's config_path)")
	fs.IntVar(&parallel, "parallel", 4, "images checked at once")
	return cmd
}
