package cluster

import (
	"errors"
	"fmt"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/flowcontrol"
	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"

	"github.com/nfd-compat/nfd-compat/pkg/features"
)

// DefaultPageSize is how many objects one list request asks for.
const DefaultPageSize = 500

// DefaultNFDNamespace is nfd-master's default namespace; its NodeFeature
// objects come first when a node's objects are merged.
const DefaultNFDNamespace = features.DefaultNFDNamespace

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
//
// It uses client-go's REST client directly, not client-go's typed clientset
// (k8s.io/client-go/kubernetes), whose scheme registers every Kubernetes API
// at package initialisation: about 5 ms and 0.7 MB on every run of every
// command of the binary. NFD's generated clientset and client-go's metadata
// client are avoided too: each builds a scheme at initialisation, and the
// generated one links k8s.io/client-go/testing through gentype. NodeFeature
// lists decode with a scheme of NFD's types only, built on first use; nodes
// are listed as PartialObjectMetadataList (names and labels, no Node specs or
// statuses on the wire).
type Client struct {
	nfd      rest.Interface
	core     rest.Interface
	params   runtime.ParameterCodec
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

// nfdScheme knows NFD's v1alpha1 types and meta/v1 (Status, list options):
// all the NodeFeature list needs. Built on first use, not at init.
var nfdScheme = sync.OnceValues(func() (*runtime.Scheme, serializer.CodecFactory) {
	s := runtime.NewScheme()
	metav1.AddToGroupVersion(s, schema.GroupVersion{Version: "v1"})
	utilruntime.Must(nfdv1alpha1.AddToScheme(s))
	return s, serializer.NewCodecFactory(s)
})

// NewForConfig builds a client for a REST config.
func NewForConfig(cfg *rest.Config, opts Options) (*Client, error) {
	cfg = rest.CopyConfig(cfg)
	if cfg.UserAgent == "" {
		cfg.UserAgent = rest.DefaultKubernetesUserAgent()
	}
	// One rate limiter for both clients, as a clientset shares one across
	// its API groups.
	if cfg.RateLimiter == nil && cfg.QPS > 0 {
		if cfg.Burst <= 0 {
			return nil, fmt.Errorf("client for %s: burst must be positive when QPS is set", cfg.Host)
		}
		cfg.RateLimiter = flowcontrol.NewTokenBucketRateLimiter(cfg.QPS, cfg.Burst)
	}
	httpClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("HTTP client for %s: %w", cfg.Host, err)
	}

	scheme, codecs := nfdScheme()
	nfdCfg := rest.CopyConfig(cfg)
	gv := nfdv1alpha1.SchemeGroupVersion
	nfdCfg.GroupVersion = &gv
	nfdCfg.APIPath = "/apis"
	nfdCfg.NegotiatedSerializer = rest.CodecFactoryForGeneratedClient(scheme, codecs).WithoutConversion()
	nfd, err := rest.RESTClientForConfigAndClient(nfdCfg, httpClient)
	if err != nil {
		return nil, fmt.Errorf("NFD client for %s: %w", cfg.Host, err)
	}
	coreCfg := rest.CopyConfig(nfdCfg)
	coreCfg.GroupVersion = &schema.GroupVersion{Version: "v1"}
	coreCfg.APIPath = "/api"
	core, err := rest.RESTClientForConfigAndClient(coreCfg, httpClient)
	if err != nil {
		return nil, fmt.Errorf("Kubernetes client for %s: %w", cfg.Host, err)
	}
	c := &Client{nfd: nfd, core: core, params: runtime.NewParameterCodec(scheme), opts: opts, pageSize: opts.PageSize}
	if c.pageSize <= 0 {
		c.pageSize = DefaultPageSize
	}
	if c.opts.NFDNamespace == "" {
		c.opts.NFDNamespace = DefaultNFDNamespace
	}
	return c, nil
}
