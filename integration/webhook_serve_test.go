package integration

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	tcp "github.com/nfd-compat/nfd-compat/internal/testcontrolplane"
	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/metrics"
	"github.com/nfd-compat/nfd-compat/pkg/webhook"
)

// serveWebhook serves wh as nfd-compat-webhook does (webhook.NewServer,
// TLS with a serving certificate of a test CA for 127.0.0.1) and installs
// the shipped manifests with the API server calling it by URL, then waits
// until the API server does: a dry-run pod of probeImage in namespace ns
// comes back annotated. wrap, unless nil, wraps the server's handler (the
// benchmark times requests with it). It returns the server's address and
// the CA's PEM; the server closes with t.
func serveWebhook(t testing.TB, cp *tcp.ControlPlane, wh *webhook.Webhook, set *metrics.Set, ns, probeImage string, wrap func(http.Handler) http.Handler) (string, []byte) {
	t.Helper()
	caPEM, certFile, keyFile := webhookPKI(t)
	certs, err := webhook.NewCertReloader(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	addr := listenWebhook(t, wh, certs, set, wrap)

	installWebhookManifests(t, cp, "https://"+addr+"/mutate", caPEM)

	// The API server picks the configuration up asynchronously: until a
	// probe pod comes back annotated.
	ctx := context.Background()
	cp.CreateNamespace(t, ns)
	tmpl := corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: probeImage}}}}
	i := 0
	poll(t, 30*time.Second, "the API server to call the webhook", func() error {
		i++
		name := fmt.Sprintf("probe-%d", i)
		p, err := cp.Client.CoreV1().Pods(ns).Create(ctx, podFrom(ns, name, tmpl), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if err != nil {
			return err
		}
		if p.Annotations[webhook.DecisionAnnotation] == "" {
			return fmt.Errorf("probe pod not annotated")
		}
		return nil
	})
	return addr, caPEM
}

// pushImage pushes an image repo:v1 (its content names repo, so each repo's
// digest differs) and, unless specFile is "", attaches specFile as its
// compatibility artifact; it returns the image's reference.
func pushImage(t testing.TB, reg *testregistry.Registry, repo, specFile string) string {
	t.Helper()
	ctx := context.Background()
	desc, err := testimage.Push(ctx, reg.Repo(t, repo), "v1", testimage.WithContent([]byte(repo)))
	if err != nil {
		t.Fatal(err)
	}
	if specFile != "" {
		data, err := os.ReadFile(specFile)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := artifact.Attach(ctx, reg.Repo(t, repo), desc, data, artifact.AttachOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return reg.Ref(repo, "v1")
}

// listenWebhook serves wh (and, with set, /metrics; wrapped by wrap if
// given) over TLS on a port of 127.0.0.1 until the test ends; it returns
// host:port.
func listenWebhook(t testing.TB, wh *webhook.Webhook, certs *webhook.CertReloader, set *metrics.Set, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := webhook.NewServer(ln.Addr().String(), wh, certs, set)
	if wrap != nil {
		srv.Handler = wrap(srv.Handler)
	}
	go func() {
		if err := srv.ServeTLS(ln, "", ""); !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("webhook server: %v", err)
		}
	}()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}
