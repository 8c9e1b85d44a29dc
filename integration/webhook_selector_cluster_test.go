package integration

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/json"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	tcp "github.com/nfd-compat/nfd-compat/internal/testcontrolplane"
	"github.com/nfd-compat/nfd-compat/pkg/webhook"
)

// TestWebhookNamespaceSelector: on the real API server, with the shipped
// ClusterRole and -namespace-selector, pods of a labelled namespace are
// decided and those of another are untouched; many pods of a namespace
// cost one namespace read per cache TTL, and a label added is seen once
// the TTL has passed. Without the ClusterRole the read is forbidden and
// on_error decides, with the RBAC hint.
func TestWebhookNamespaceSelector(t *testing.T) {
	cp := tcp.Start(t, tcp.Options{})
	ctx := context.Background()
	for name, labels := range map[string]map[string]string{"sel-on": {"nfd-compat.io/place": "yes"}, "sel-off": nil} {
		if _, err := cp.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// The webhook runs as a user with no rights but the shipped
	// ClusterRole's (bound below).
	cfg := rest.CopyConfig(cp.Config)
	cfg.BearerToken = cp.Token(tcp.NoRBAC)
	dc, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	sel, err := webhook.ParseLabelSelector(`{"matchLabels": {"nfd-compat.io/place": "yes"}}`)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	log := logrus.New()
	log.SetOutput(testWriter{t})
	// No registry is allowed: a selected pod's image is decided by
	// on_error=allow (a warning and the annotation), with no registry.
	wh, err := webhook.New(webhook.Config{Dynamic: dc, Log: log, CacheTTL: time.Minute, Now: clock, NamespaceSelector: sel})
	if err != nil {
		t.Fatal(err)
	}
	admit := func(ns string) (patched bool, warnings []string) {
		t.Helper()
		raw, err := json.Marshal(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: ns},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "registry.example.com/app:v1"}}}})
		if err != nil {
			t.Fatal(err)
		}
		r := wh.Admit(ctx, &admissionv1.AdmissionRequest{UID: "u", Kind: metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
			Operation: admissionv1.Create, Namespace: ns, Object: runtime.RawExtension{Raw: raw}})
		if !r.Allowed {
			t.Fatalf("%s: refused: %v", ns, r.Result)
		}
		return r.Patch != nil, r.Warnings
	}

	if patched, warnings := admit("sel-on"); patched || len(warnings) != 1 ||
		!strings.Contains(warnings[0], "forbidden") || !strings.Contains(warnings[0], "needs get on namespaces") {
		t.Fatalf("without RBAC: patched %v, warnings %q; want on_error=allow with the RBAC hint", patched, warnings)
	}

	objs, err := tcp.ReadObjects(webhookManifests)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range objs {
		if u.GetKind() == "ClusterRole" {
			if _, err := cp.Dynamic.Resource(manifestResources["ClusterRole"]).Create(ctx, &u, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			if _, err := cp.Client.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "selector-test"},
				RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: u.GetName()},
				Subjects: []rbacv1.Subject{{APIGroup: "rbac.authorization.k8s.io", Kind: "User", Name: tcp.NoRBAC}}}, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	poll(t, 30*time.Second, "the ClusterRole to be in force", func() error {
		_, err := dc.Resource(manifestResources["Namespace"]).Get(ctx, "sel-on", metav1.GetOptions{})
		return err
	})
	before := wh.Stats().NamespaceLookups
	for range 100 {
		if patched, _ := admit("sel-on"); !patched {
			t.Fatal("a pod of the selected namespace is not decided")
		}
		if patched, warnings := admit("sel-off"); patched || len(warnings) != 0 {
			t.Fatalf("a pod of another namespace: patched %v, warnings %q", patched, warnings)
		}
	}
	if n := wh.Stats().NamespaceLookups - before; n != 2 {
		t.Fatalf("200 pods of 2 namespaces cost %d namespace reads, want 2", n)
	}
	// A label added is seen once the cached labels expire.
	if _, err := cp.Client.CoreV1().Namespaces().Patch(ctx, "sel-off", "application/merge-patch+json",
		[]byte(`{"metadata":{"labels":{"nfd-compat.io/place":"yes"}}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	if patched, _ := admit("sel-off"); patched {
		t.Fatal("within the cache TTL the namespace's old labels are used")
	}
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	if patched, _ := admit("sel-off"); !patched {
		t.Fatal("after the cache TTL the namespace's new label selects its pods")
	}
}
