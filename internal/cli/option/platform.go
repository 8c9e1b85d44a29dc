package option

import (
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/spf13/pflag"

	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// Platform is the --platform flag.
type Platform struct {
	Value string
}

// AddFlags registers the flag with a command-specific help text.
func (o *Platform) AddFlags(fs *pflag.FlagSet, help string) {
	fs.StringVar(&o.Value, "platform", "", help+" (os/arch[/variant])")
}

// Parse returns the platform, or nil when unset.
func (o *Platform) Parse() (*ocispec.Platform, error) { return target.ParsePlatform(o.Value) }
