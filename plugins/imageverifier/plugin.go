package imageverifier

import (
	"github.com/containerd/containerd/v2/plugins"
	"github.com/containerd/plugin"
	"github.com/containerd/plugin/registry"

	"github.com/nfd-compat/nfd-compat/pkg/policy"
)

// ID is the plugin's ID; its URI is policy.PluginURI.
const ID = "nfd-compat"

func init() {
	registry.Register(&plugin.Registration{
		Type:   plugins.ImageVerifierPlugin,
		ID:     ID,
		Config: policy.Default(),
		InitFn: func(ic *plugin.InitContext) (any, error) {
			return newVerifier(ic.Context, ic.Config.(*policy.Policy)), nil
		},
	})
}
