package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	tcp "github.com/nfd-compat/nfd-compat/internal/testcontrolplane"
	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
	"github.com/nfd-compat/nfd-compat/pkg/target"
	"github.com/nfd-compat/nfd-compat/pkg/webhook"
)

// The namespaces of testWebhookRegistryDown's webhooks (TestWebhookCluster's
// own webhook excludes them).
const (
	regDownAllowNS = "regdown-allow"
	regDownDenyNS  = "regdown-deny"
)

// regDownMargin is what the API server's round trip may add to the
// webhook's decision timeout on this shared machine.
const regDownMargin = 3 * time.Second

// testWebhookRegistryDown: a registry that is down follows on_error within
// the decision timeout, on the real API server calling the webhook by URL
// through the shipped MutatingWebhookConfiguration (failurePolicy Ignore,
// its timeoutSeconds) with the shipped Deployment's -timeout. Down is a
// registry that was stopped (connection refused: answered at once) and a
// black hole that accepts connections and never answers (answered when the
// timeout ends). on_error=allow: the pod is created unchanged but for the
// decision annotation, with an admission warning, both giving the reason;
// on_error=deny: the create is refused naming the registry error. Every
// create returns within the timeout plus regDownMargin, under
// timeoutSeconds: a webhook that waited for the API server to give up
// would fail it (and, failurePolicy Ignore, leave the pod unannotated).
func testWebhookRegistryDown(t *testing.T, cp *tcp.ControlPlane, log *logrus.Logger) {
	ctx := context.Background()
	caPEM, certFile, keyFile := webhookPKI(t)
	certs, err := webhook.NewCertReloader(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	decision, apiTimeout := shippedTimeouts(t)
	bound := decision + regDownMargin
	if decision >= apiTimeout || bound >= apiTimeout {
		t.Fatalf("%s: the Deployment's -timeout %v (+%v for the round trip) must stay under the MutatingWebhookConfiguration's timeoutSeconds %v",
			webhookManifests, decision, regDownMargin, apiTimeout)
	}

	// A registry that held the image and its spec, then stopped.
	stopped := testregistry.Start(t, testregistry.GGCRReferrers)
	desc, err := testimage.Push(ctx, stopped.Repo(t, "gpuonly"), "v1")
	if err != nil {
		t.Fatal(err)
	}
	spec, err := os.ReadFile("testdata/gpu-only-spec.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := artifact.Attach(ctx, stopped.Repo(t, "gpuonly"), desc, spec, artifact.AttachOptions{}); err != nil {
		t.Fatal(err)
	}
	stopped.Close()
	hole, accepted := blackHole(t)

	webhooks := map[string]*webhook.Webhook{}
	for ns, onError := range map[string]policy.Action{regDownAllowNS: policy.Allow, regDownDenyNS: policy.Deny} {
		pol := policy.Default()
		pol.Timeout, pol.OnError = policy.Duration(decision), onError
		wh, err := webhook.New(webhook.Config{Policy: pol, AllowedRegistries: []string{stopped.Host, hole},
			Target: target.Options{PlainHTTP: true}, CacheTTL: webhook.DefaultCacheTTL, ErrorTTL: webhook.DefaultErrorTTL,
			Dynamic: cp.Dynamic, Log: log.WithField("on_error", onError)})
		if err != nil {
			t.Fatal(err)
		}
		webhooks[ns] = wh
		cp.CreateNamespace(t, ns)
		installWebhookConfiguration(t, cp, "nfd-compat-"+ns, ns, "https://"+listenWebhook(t, wh, certs, nil, nil)+"/mutate", caPEM)
	}
	tmpl := func(image string) corev1.PodTemplateSpec {
		return corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: image}}}}
	}
	// Until the API server calls both: an image of a registry not
	// allowed is an error at once (no registry contacted).
	poll(t, 30*time.Second, "the API server to call the registry-down webhooks", func() error {
		dry := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}
		p, err := cp.Client.CoreV1().Pods(regDownAllowNS).Create(ctx, podFrom(regDownAllowNS, "probe", tmpl("example.invalid/probe:v1")), dry)
		if err != nil {
			return err
		}
		if !strings.Contains(p.Annotations[webhook.DecisionAnnotation], webhook.ErrRegistryNotAllowed.Error()) {
			return fmt.Errorf("probe pod of %s annotated %v", regDownAllowNS, p.Annotations)
		}
		_, err = cp.Client.CoreV1().Pods(regDownDenyNS).Create(ctx, podFrom(regDownDenyNS, "probe", tmpl("example.invalid/probe:v1")), dry)
		if err == nil || !strings.Contains(err.Error(), webhook.ErrRegistryNotAllowed.Error()) {
			return fmt.Errorf("probe pod of %s: %v", regDownDenyNS, err)
		}
		return nil
	})

	refusedImage, holeImage := stopped.Ref("gpuonly", "v1"), hole+"/app:v1"
	cases := []struct {
		name, image, reason string
		blackHole           bool
	}{
		{"stopped", refusedImage, "connection refused", false},
		{"black hole", holeImage, "no answer from " + hole + " within the policy's timeout " + policy.Duration(decision).String(), true},
	}
	t.Run("cases", func(t *testing.T) {
		for _, c := range cases {
			for _, ns := range []string{regDownAllowNS, regDownDenyNS} {
				t.Run(c.name+"/"+ns, func(t *testing.T) {
					t.Parallel()
					before := accepted.Load()
					p, warnings, elapsed, err := createTimed(t, cp, podFrom(ns, "app-"+strings.ReplaceAll(c.name, " ", "-"), tmpl(c.image)))
					t.Logf("%s, %s: create answered in %v", c.name, ns, elapsed.Round(time.Millisecond))
					if elapsed > bound {
						t.Errorf("create answered in %v, want within the decision timeout %v + %v (the API server gives up at %v)", elapsed, decision, regDownMargin, apiTimeout)
					}
					if c.blackHole && (elapsed < decision || accepted.Load() == before) {
						t.Errorf("black hole: answered in %v after %d connections: want the decision timeout %v to bound a registry that was reached",
							elapsed, accepted.Load()-before, decision)
					}
					if !c.blackHole && elapsed >= decision {
						t.Errorf("connection refused answered in %v: want at once, not at the timeout %v", elapsed, decision)
					}
					if ns == regDownAllowNS {
						checkAllowedUnchanged(t, p, warnings, err, c.image, c.reason)
						return
					}
					if err == nil || !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), c.image+": refused by on_error=deny: ") ||
						!strings.Contains(err.Error(), c.reason) {
						t.Fatalf("create: %v; want it forbidden with %q, refused by on_error=deny and %q", err, c.image, c.reason)
					}
					if _, err := cp.Client.CoreV1().Pods(ns).Get(ctx, "app-"+strings.ReplaceAll(c.name, " ", "-"), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
						t.Fatalf("refused pod: get: %v, want not found", err)
					}
				})
			}
		}
	})
	// The next pod of the black hole's image gets the error remembered
	// (ErrorTTL) at once: replicas do not each wait for the timeout.
	p, warnings, elapsed, err := createTimed(t, cp, podFrom(regDownAllowNS, "app-again", tmpl(holeImage)))
	t.Logf("black hole again (error cached): create answered in %v", elapsed.Round(time.Millisecond))
	if elapsed >= decision/2 {
		t.Errorf("a second pod of the black hole's image answered in %v: want the cached error at once", elapsed)
	}
	checkAllowedUnchanged(t, p, warnings, err, holeImage, cases[1].reason)
	if s := webhooks[regDownAllowNS].Stats(); s.RegistryLookups != 2 || s.RuleApplies != 0 {
		t.Errorf("on_error=allow webhook: %+v, want 2 registry lookups (one per image) and no rule applied", s)
	}
}

// checkAllowedUnchanged: a pod admitted by on_error=allow has no affinity,
// and its decision annotation and one admission warning give the reason.
func checkAllowedUnchanged(t *testing.T, p *corev1.Pod, warnings []string, err error, image, reason string) {
	t.Helper()
	if err != nil {
		t.Fatalf("create: %v, want it allowed by on_error=allow", err)
	}
	if p.Spec.Affinity != nil || len(p.Spec.NodeSelector) != 0 {
		t.Errorf("pod %s: affinity %+v, node selector %v; want none (unchanged)", p.Name, p.Spec.Affinity, p.Spec.NodeSelector)
	}
	var dec webhook.Decision
	if err := json.Unmarshal([]byte(p.Annotations[webhook.DecisionAnnotation]), &dec); err != nil {
		t.Fatalf("pod %s: decision annotation %q: %v", p.Name, p.Annotations[webhook.DecisionAnnotation], err)
	}
	if len(dec.Images) != 1 || dec.Images[0].Image != image || dec.Images[0].Verdict != policy.Error ||
		dec.Images[0].Decision != "allowed by on_error=allow" || !strings.Contains(dec.Images[0].Reason, reason) || dec.Images[0].Artifact != "" {
		t.Errorf("pod %s: decision %+v, want %s's error allowed by on_error=allow, with %q", p.Name, dec, image, reason)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], image+": ") || !strings.Contains(warnings[0], reason) ||
		!strings.Contains(warnings[0], "(allowed by on_error=allow)") {
		t.Errorf("pod %s: admission warnings %q, want one with %s, %q and on_error=allow", p.Name, warnings, image, reason)
	}
}

// createTimed creates a pod with a client of its own, timing the call and
// collecting the admission warnings the API server relays.
func createTimed(t *testing.T, cp *tcp.ControlPlane, pod *corev1.Pod) (*corev1.Pod, []string, time.Duration, error) {
	t.Helper()
	w := &warningRecorder{}
	cfg := rest.CopyConfig(cp.Config)
	cfg.WarningHandler = w
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	p, err := cs.CoreV1().Pods(pod.Namespace).Create(context.Background(), pod, metav1.CreateOptions{})
	elapsed := time.Since(start)
	w.mu.Lock()
	defer w.mu.Unlock()
	return p, w.texts, elapsed, err
}

type warningRecorder struct {
	mu    sync.Mutex
	texts []string
}

func (w *warningRecorder) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.texts = append(w.texts, text)
}

// blackHole listens on 127.0.0.1 and accepts every connection, reads what
// is sent and never answers, until the test ends. It returns host:port and
// the number of connections accepted so far.
func blackHole(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		accepted atomic.Int64
		mu       sync.Mutex
		conns    []net.Conn
	)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return // closed at the end of the test
			}
			accepted.Add(1)
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			go func() { _, _ = io.Copy(io.Discard, c) }()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return ln.Addr().String(), &accepted
}

// shippedTimeouts are the shipped Deployment's -timeout (the default if it
// sets none) and the MutatingWebhookConfiguration's timeoutSeconds.
func shippedTimeouts(t *testing.T) (decision, apiServer time.Duration) {
	t.Helper()
	objs, err := tcp.ReadObjects(webhookManifests)
	if err != nil {
		t.Fatal(err)
	}
	decision = webhook.DefaultTimeout
	for _, u := range objs {
		raw, err := json.Marshal(u.Object)
		if err != nil {
			t.Fatal(err)
		}
		switch u.GetKind() {
		case "Deployment":
			var d appsv1.Deployment
			if err := json.Unmarshal(raw, &d); err != nil {
				t.Fatalf("%s: Deployment: %v", webhookManifests, err)
			}
			for _, c := range d.Spec.Template.Spec.Containers {
				for _, a := range c.Args {
					if v, ok := strings.CutPrefix(a, "-timeout="); ok {
						if decision, err = time.ParseDuration(v); err != nil {
							t.Fatalf("%s: %s: %v", webhookManifests, a, err)
						}
					}
				}
			}
		case "MutatingWebhookConfiguration":
			var m admissionregistrationv1.MutatingWebhookConfiguration
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatalf("%s: MutatingWebhookConfiguration: %v", webhookManifests, err)
			}
			for _, h := range m.Webhooks {
				if h.TimeoutSeconds == nil {
					t.Fatalf("%s: webhook %s has no timeoutSeconds: the API server's default is 10s, say it", webhookManifests, h.Name)
				}
				apiServer = time.Duration(*h.TimeoutSeconds) * time.Second
			}
		}
	}
	if apiServer == 0 {
		t.Fatalf("%s: no MutatingWebhookConfiguration", webhookManifests)
	}
	return decision, apiServer
}

// installWebhookConfiguration creates a copy of the shipped
// MutatingWebhookConfiguration named name, calling url (trusting caPEM)
// for the pods of namespace ns only.
func installWebhookConfiguration(t *testing.T, cp *tcp.ControlPlane, name, ns, url string, caPEM []byte) {
	t.Helper()
	objs, err := tcp.ReadObjects(webhookManifests)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range objs {
		if u.GetKind() != "MutatingWebhookConfiguration" {
			continue
		}
		u.SetName(name)
		callByURL(t, &u, url, caPEM)
		hooks, _, _ := unstructured.NestedSlice(u.Object, "webhooks")
		for i := range hooks {
			hooks[i].(map[string]any)["namespaceSelector"] = map[string]any{"matchLabels": map[string]any{corev1.LabelMetadataName: ns}}
		}
		if err := unstructured.SetNestedSlice(u.Object, hooks, "webhooks"); err != nil {
			t.Fatal(err)
		}
		if _, err := cp.Dynamic.Resource(manifestResources["MutatingWebhookConfiguration"]).Create(context.Background(), &u, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create MutatingWebhookConfiguration %s: %v", name, err)
		}
		return
	}
	t.Fatalf("%s: no MutatingWebhookConfiguration", webhookManifests)
}
