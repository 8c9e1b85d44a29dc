package cli

import (
	"github.com/spf13/cobra"

	"github.com/nfd-compat/nfd-compat/internal/cli/option"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// imageFlags are the flags of every command that takes an IMAGE.
type imageFlags struct {
	option.Remote
	option.Platform
}

func (f *imageFlags) add(cmd *cobra.Command, platformHelp string) {
	f.Remote.AddFlags(cmd.Flags())
	f.Platform.AddFlags(cmd.Flags(), platformHelp)
}

func (f *imageFlags) options(cmd *cobra.Command, ref string) (target.ImageOptions, error) {
	topts, err := f.Remote.Options(cmd.InOrStdin())
	if err != nil {
		return target.ImageOptions{}, err
	}
	platform, err := f.Platform.Parse()
	if err != nil {
		return target.ImageOptions{}, err
	}
	return target.ImageOptions{Ref: ref, Target: topts, Platform: platform}, nil
}
