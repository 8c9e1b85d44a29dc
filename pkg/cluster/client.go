package cluster

import (
	"errors"
	"fmt"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	nfdclientset "sigs.k8s.io/node-feature-discovery/api/generated/clientset/versioned"
)

// DefaultPageSize is how many objects one list request asks for.
const DefaultPageSize = 500

// DefaultNFDNamespace is nfd-master's default namespace; its NodeFeature
// objects come first when a node's objects are merged.
const DefaultNFDNamespace = "node-feature-discovery"

// Options say how to reach the cluster.
type Options struct {
	// Kubeconfig is an explicit kubeconfig file. Empty means the standard
	// loading rules: $KUBECONFIG, then ~/.kube/config, then the in-cluster
	// service account.
	Kubeconfig string
	// Context selects a kubeconfig context; empty means the current one.
	Context string
	// PageSize is the Limit of each list request; 0 means DefaultPageSize.
	PageSize int64
	// NFDNamespace is nfd-master's namespace; empty means DefaultNFDNamespace.
	NFDNamespace string
	// NodeSelector, a label selector over Node objects, limits AllNodes to
	// the nodes it selects (and needs permission to list nodes).
	NodeSelector string
}

// Client lists NodeFeature (and, with a node selector, Node) objects.
type Client struct {
	nfd      nfdclientset.Interface
	kube     kubernetes.Interface
	opts     Options
	pageSize int64
}

// New builds a client from the kubeconfig loading rules.
func New(opts Options) (*Client, error) {
	cfg, err := RESTConfig(opts)
	if err != nil {
		return nil, err
	}
	return NewForConfig(cfg, opts)
}

// RESTConfig resolves opts with client-go's loading rules, as kubectl does.
func RESTConfig(opts Options) (*rest.Config, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = opts.Kubeconfig
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: opts.Context})
	cfg, err := cc.ClientConfig()
	if err != nil {
		if clientcmd.IsEmptyConfig(err) || errors.Is(err, clientcmd.ErrEmptyConfig) {
			return nil, errors.New("no Kubernetes configuration found: pass --kubeconfig, set KUBECONFIG, create ~/.kube/config, or run inside a pod")
		}
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	cfg.UserAgent = "nfd-compat"
	// client-go's default 5 QPS would make paging through a large cluster
	// wait on the client side; kubectl uses 50 as well.
	cfg.QPS, cfg.Burst = 50, 100
	return cfg, nil
}

// NewForConfig builds a client for a REST config.
func NewForConfig(cfg *rest.Config, opts Options) (*Client, error) {
	nfd, err := nfdclientset.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("NFD client for %s: %w", cfg.Host, err)
	}
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("Kubernetes client for %s: %w", cfg.Host, err)
	}
	c := &Client{nfd: nfd, kube: kube, opts: opts, pageSize: opts.PageSize}
	if c.pageSize <= 0 {
		c.pageSize = DefaultPageSize
	}
	if c.opts.NFDNamespace == "" {
		c.opts.NFDNamespace = DefaultNFDNamespace
	}
	return c, nil
}
