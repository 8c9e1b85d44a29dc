package option

import (
	"github.com/spf13/pflag"

	"github.com/nfd-compat/nfd-compat/pkg/cluster"
)

// Kube are the flags that say how to reach a Kubernetes cluster.
type Kube struct {
	Kubeconfig   string
	Context      string
	NFDNamespace string
}

// AddFlags registers the flags.
func (o *Kube) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Kubeconfig, "kubeconfig", "", "kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then the in-cluster service account)")
	fs.StringVar(&o.Context, "context", "", "kubeconfig context (default: the current one)")
	fs.StringVar(&o.NFDNamespace, "nfd-namespace", cluster.DefaultNFDNamespace, "nfd-master's namespace: its NodeFeature objects merge first")
}

// Options turns the flags into cluster options.
func (o *Kube) Options() cluster.Options {
	return cluster.Options{Kubeconfig: o.Kubeconfig, Context: o.Context, NFDNamespace: o.NFDNamespace}
}
