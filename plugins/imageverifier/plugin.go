package imageverifier

import (
	"github.com/containerd/containerd/v2/plugins"
	"github.com/containerd/log"
	"github.com/containerd/plugin"
	"github.com/containerd/plugin/registry"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/nfd-compat/nfd-compat/pkg/metrics"
	"github.com/nfd-compat/nfd-compat/pkg/metrics/prom"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
)

// ID is the plugin's ID; its URI is policy.PluginURI.
const ID = "nfd-compat"

func init() {
	registry.Register(&plugin.Registration{
		Type: plugins.ImageVerifierPlugin,
		ID:   ID,
		// A Stanza, not a Policy: containerd decodes the table into it
		// as it is, and the plugin decodes it with policy.Decode as the
		// bindir executable does (same warnings, same errors, same
		// fail-closed rule), instead of containerd failing the plugin
		// (pulls unchecked) over a bad value or only logging unknown keys.
		Config: policy.DefaultStanza(),
		InitFn: func(ic *plugin.InitContext) (any, error) {
			// containerd serves prometheus' default registry (through
			// docker/go-metrics) on its [metrics] address, /v1/metrics.
			var obs metrics.Observer
			if set, err := prom.Register(prometheus.DefaultRegisterer); err != nil {
				log.G(ic.Context).WithError(err).Warn("nfd-compat: decisions are not counted on containerd's metrics endpoint")
			} else {
				obs = set
			}
			return newVerifier(ic.Context, *ic.Config.(*policy.Stanza), obs), nil
		},
	})
}
