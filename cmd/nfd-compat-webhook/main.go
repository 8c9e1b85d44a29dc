// Command nfd-compat-webhook is nfd-compat's mutating admission webhook
// (pkg/webhook): it serves POST /mutate over TLS (certificate and key
// reloaded when they change), /healthz and /readyz, and shuts down
// gracefully on SIGTERM. See docs/webhook.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	coordinationv1 "k8s.io/client-go/kubernetes/typed/coordination/v1"

	"github.com/nfd-compat/nfd-compat/pkg/cluster"
	"github.com/nfd-compat/nfd-compat/pkg/metrics"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
	"github.com/nfd-compat/nfd-compat/pkg/target"
	"github.com/nfd-compat/nfd-compat/pkg/webhook"
	"github.com/nfd-compat/nfd-compat/pkg/webhook/election"
)

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(s string) error { *l = append(*l, strings.Split(s, ",")...); return nil }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	err := run(ctx, os.Args[1:])
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "nfd-compat-webhook:", err)
		var ue usageError
		if errors.As(err, &ue) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// usageError is a bad flag or argument: exit code 2.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

// usage marks err as a usage error.
func usage(err error) error { return usageError{err} }

// run serves until ctx ends, then shuts down gracefully.
func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("nfd-compat-webhook", flag.ContinueOnError)
	pol := policy.Default()
	pol.Timeout = policy.Duration(webhook.DefaultTimeout)
	var (
		addr                               = fs.String("listen", ":8443", "address to serve HTTPS on")
		certFile                           = fs.String("tls-cert-file", "/etc/nfd-compat-webhook/tls/tls.crt", "serving certificate (PEM), reloaded when it changes")
		keyFile                            = fs.String("tls-key-file", "/etc/nfd-compat-webhook/tls/tls.key", "its private key (PEM)")
		kubecfg                            = fs.String("kubeconfig", "", "kubeconfig; empty: in-cluster configuration")
		mode                               = fs.String("mode", string(pol.Mode), "enforce, warn or off")
		onMissing                          = fs.String("on-missing", string(pol.OnMissing), "an image without a compatibility spec: allow or deny")
		onError                            = fs.String("on-error", string(pol.OnError), "an image that cannot be checked: allow or deny")
		timeout                            = fs.Duration("timeout", pol.Timeout.Std(), "bound of one decision; keep it under the webhook's timeoutSeconds")
		prefix                             = fs.String("label-prefix", "", "set label prefix (nfd-master needs it in -extra-label-ns); empty: compat.nfd-compat.io")
		ttl                                = fs.Duration("cache-ttl", webhook.DefaultCacheTTL, "how long an image's answer and an applied rule are reused")
		errTTL                             = fs.Duration("cache-error-ttl", webhook.DefaultErrorTTL, "how long a registry error (down, 5xx, timeout) is reused, for the image and, by host, for other images of that registry, before the registry is asked again (0: every pod asks)")
		entries                            = fs.Int("cache-entries", webhook.DefaultCacheEntries, "bound of each in-memory cache")
		nsSelector                         = fs.String("namespace-selector", "", "place only pods of namespaces whose labels match: a LabelSelector as JSON/YAML ({\"matchLabels\":{...},\"matchExpressions\":[...]}) or kubectl -l syntax (needs get on namespaces; empty: all)")
		podSelector                        = fs.String("pod-selector", "", "place only pods whose labels match, same syntax as -namespace-selector (empty: all)")
		dockerCfg                          = fs.String("docker-config", "", "docker config.json with registry credentials")
		caFile                             = fs.String("registry-ca-file", "", "PEM bundle trusted for registries besides the system roots")
		plainHTTP                          = fs.Bool("registry-plain-http", false, "talk plain HTTP to registries")
		platform                           = fs.String("platform", "", "judge only this platform of an index (os/arch[/variant]); empty: every linux platform by its own spec")
		debug                              = fs.Bool("debug", false, "log at debug level")
		daemonSet                          = fs.Bool("place-daemonset-pods", false, "place DaemonSet pods too (off: they are never touched)")
		pullSecrets                        = fs.Bool("pull-secrets", false, "use pods' imagePullSecrets for their registries (needs get on secrets: see docs/webhook.md)")
		gcGrace                            = fs.Duration("rule-gc-grace", webhook.DefaultRuleGCGrace, "delete a NodeFeatureRule of the webhook no pod references once this long past its creation and last use (0: never; at least -cache-ttl)")
		gcInterval                         = fs.Duration("rule-gc-interval", 0, "interval between garbage collection passes (0: grace/4; within 1m..1h)")
		driftInterval                      = fs.Duration("drift-interval", webhook.DefaultDriftInterval, "interval between drift scans of placed pods for /metrics (0: off; at least 10s; needs list on pods and nodes)")
		include, exclude, tags, registries list
		namespaces                         = list{"kube-system"}
	)
	fs.Var(&include, "include", "image pattern to check (repeatable; empty: all)")
	fs.Var(&exclude, "exclude", "image pattern never checked (repeatable)")
	fs.Var(&tags, "tags", "compatibility set tags considered (repeatable; empty: all)")
	fs.Var(&registries, "allow-registry", "registry host pattern the webhook may contact (repeatable; none: no image is fetched)")
	fs.Var(&namespaces, "exclude-namespace", "namespace whose pods are never touched (repeatable; kube-system and $POD_NAMESPACE always)")
	leader := addLeaderFlags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usage(err)
	}
	var selectors [2]*metav1.LabelSelector
	for i, f := range []struct{ name, value string }{{"-namespace-selector", *nsSelector}, {"-pod-selector", *podSelector}} {
		if strings.TrimSpace(f.value) == "" {
			continue
		}
		sel, err := webhook.ParseLabelSelector(f.value)
		if err != nil {
			return usage(fmt.Errorf("%s: %w", f.name, err))
		}
		selectors[i] = sel
	}
	if *errTTL < 0 {
		return usage(fmt.Errorf("-cache-error-ttl %v: give 0 (registry errors not reused) or a short positive duration such as 10s", *errTTL))
	}
	if *gcGrace < 0 || (*gcGrace > 0 && *gcGrace < *ttl) {
		return usage(fmt.Errorf("-rule-gc-grace %v: give 0 (no garbage collection) or at least -cache-ttl (%v): another replica reuses an applied rule for a TTL without applying it again", *gcGrace, *ttl))
	}
	if *driftInterval < 0 || (*driftInterval > 0 && *driftInterval < webhook.MinDriftInterval) {
		return usage(fmt.Errorf("-drift-interval %v: give 0 (no drift scans) or at least %v: a scan lists every bound pod and every node's metadata", *driftInterval, webhook.MinDriftInterval))
	}
	if fs.NArg() > 0 {
		return usage(fmt.Errorf("unexpected argument %q: nfd-compat-webhook takes flags only", fs.Arg(0)))
	}
	log := logrus.New()
	log.SetFormatter(&logrus.JSONFormatter{})
	if *debug {
		log.SetLevel(logrus.DebugLevel)
	}
	pol.Mode, pol.OnMissing, pol.OnError, pol.Timeout = policy.Mode(*mode), policy.Action(*onMissing), policy.Action(*onError), policy.Duration(*timeout)
	pol.Include, pol.Exclude, pol.Tags = include, exclude, tags
	if err := pol.Validate(); err != nil {
		return usage(fmt.Errorf("-mode, -on-missing, -on-error and -timeout take the node policy's values (named by its keys below): %w", err))
	}
	if ns := os.Getenv("POD_NAMESPACE"); ns != "" {
		namespaces = append(namespaces, ns)
	}
	p, err := target.ParsePlatform(*platform)
	if err != nil {
		return usage(fmt.Errorf("-platform: %w", err))
	}
	var lease *election.Lease
	if *gcGrace > 0 || *driftInterval > 0 { // no loops, no Lease
		var err error
		if lease, err = leader.election(); err != nil {
			return usage(err)
		}
	}
	cfg, err := cluster.RESTConfig(cluster.Options{Kubeconfig: *kubecfg})
	if err != nil {
		return err
	}
	cfg.UserAgent = "nfd-compat-webhook"
	dc, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("client for %s: %w", cfg.Host, err)
	}
	set := metrics.NewSet()
	wh, err := webhook.New(webhook.Config{Policy: pol, AllowedRegistries: registries, ExcludeNamespaces: namespaces,
		PlaceDaemonSetPods: *daemonSet, PullSecrets: *pullSecrets, LabelPrefix: *prefix, Platform: p, CacheTTL: *ttl, ErrorTTL: *errTTL, CacheEntries: *entries,
		NamespaceSelector: selectors[0], PodSelector: selectors[1], Dynamic: dc, Log: log, Observer: set,
		Target: target.Options{DockerConfig: *dockerCfg, CAFile: *caFile, PlainHTTP: *plainHTTP, Log: log}})
	if err != nil {
		return err
	}
	if len(registries) == 0 {
		log.Warn("no -allow-registry: the webhook contacts no registry, every checked image is decided by on_error")
	}
	certs, err := webhook.NewCertReloader(*certFile, *keyFile)
	if err != nil {
		return err
	}
	srv := webhook.NewServer(*addr, wh, certs, set)
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServeTLS("", "") }()
	var loops []func(context.Context)
	if *gcGrace > 0 {
		loops = append(loops, func(ctx context.Context) {
			if err := wh.RunRuleGC(ctx, *gcGrace, *gcInterval); err != nil {
				log.WithError(err).Error("NodeFeatureRule garbage collection stopped")
			}
		})
		log.WithFields(logrus.Fields{"grace": gcGrace.String(), "interval": webhook.RuleGCInterval(*gcGrace, *gcInterval).String()}).Info("NodeFeatureRule garbage collection on")
	}
	if *driftInterval > 0 {
		cc, err := cluster.NewForConfig(cfg, cluster.Options{})
		if err != nil {
			return err
		}
		loops = append(loops, func(ctx context.Context) {
			if err := wh.RunDriftMonitor(ctx, cc, *driftInterval); err != nil {
				log.WithError(err).Error("drift monitor stopped")
			}
		})
		log.WithField("interval", driftInterval.String()).Info("drift monitor on")
	}
	loopsDone := make(chan error, 1)
	loopsCtx, stopLoops := context.WithCancel(ctx)
	defer func() {
		stopLoops()
		<-loopsDone
	}()
	if len(loops) == 0 {
		loopsDone <- nil
	} else {
		var elector webhook.Elector // nil: no election (a nil *Lease would not be)
		if lease != nil {
			leases, err := coordinationv1.NewForConfig(cfg)
			if err != nil {
				return fmt.Errorf("client for %s: %w", cfg.Host, err)
			}
			lease.Leases, lease.Log = leases, log
			elector = lease
			log.WithFields(logrus.Fields{"lease": lease.Namespace + "/" + lease.Name, "identity": lease.Identity}).Info("leader election on: garbage collection and drift scans run in the replica holding the Lease")
		}
		go func() {
			loopsDone <- wh.RunLoops(loopsCtx, elector, func(ctx context.Context) {
				var wg sync.WaitGroup
				for _, loop := range loops {
					wg.Go(func() { loop(ctx) })
				}
				wg.Wait()
			})
		}()
	}
	log.WithField("listen", *addr).Info("nfd-compat-webhook serving")
	select {
	case err := <-errc:
		return err
	case err := <-loopsDone: // the loops ended before ctx: none, or an election that cannot start
		loopsDone <- nil // for the deferred wait
		if err != nil {
			_ = srv.Close()
			return err
		}
		select {
		case err := <-errc:
			return err
		case <-ctx.Done():
		}
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
