package option

import (
	"github.com/sirupsen/logrus"
	"github.com/spf13/pflag"

	"github.com/nfd-compat/nfd-compat/pkg/features"
)

// Discover are the flags that tune feature discovery on this host.
type Discover struct {
	Sources    []string
	HostRoot   string
	HostPrefix string
}

// AddFlags registers the flags.
func (o *Discover) AddFlags(fs *pflag.FlagSet, sourcesHelp string) {
	fs.StringSliceVar(&o.Sources, "sources", nil, sourcesHelp)
	fs.StringVar(&o.HostRoot, "host-root", "", "where the host's root is mounted (e.g. /host: reads /host/sys, /host/proc, /host/etc, ...)")
	fs.StringVar(&o.HostPrefix, "host-prefix", "", "upstream NFD's spelling: a prefix of host paths (e.g. /host- reads /host-sys, /host-proc, ...)")
}

// Options turns the flags into discovery options.
func (o *Discover) Options(log logrus.FieldLogger) features.DiscoverOptions {
	return features.DiscoverOptions{Sources: o.Sources, HostRoot: o.HostRoot, HostPrefix: o.HostPrefix, Log: log}
}
