package cli

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/nfd-compat/nfd-compat/internal/cli/option"
	"github.com/nfd-compat/nfd-compat/pkg/output"
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

// artifactFlags are the flags attach-spec, remove-spec and list-specs
// share: the image's, -o and --timeout (2 minutes).
type artifactFlags struct {
	image   imageFlags
	out     option.Output
	timeout option.Timeout
}

func (f *artifactFlags) add(cmd *cobra.Command, platformHelp string) {
	f.image.add(cmd, platformHelp)
	f.out.AddFlags(cmd.Flags())
	f.timeout.AddFlags(cmd.Flags(), 2*time.Minute)
}

// run parses the flags for IMAGE ref, then runs the command under the
// timeout.
func (f *artifactFlags) run(cmd *cobra.Command, ref string, run func(ctx context.Context, img target.ImageOptions, format output.Format) error) error {
	img, err := f.image.options(cmd, ref)
	if err != nil {
		return err
	}
	format, err := f.out.Parse()
	if err != nil {
		return err
	}
	return f.timeout.Run(cmd.Context(), func(ctx context.Context) error { return run(ctx, img, format) })
}
