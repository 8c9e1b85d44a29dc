package integration

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"

	"github.com/nfd-compat/nfd-compat/internal/containerdtest"
	tcp "github.com/nfd-compat/nfd-compat/internal/testcontrolplane"
	"github.com/nfd-compat/nfd-compat/pkg/cluster"
	"github.com/nfd-compat/nfd-compat/pkg/metrics"
	"github.com/nfd-compat/nfd-compat/pkg/schedule"
	"github.com/nfd-compat/nfd-compat/pkg/webhook"
	"github.com/nfd-compat/nfd-compat/pkg/webhook/election"
)

// A short lease for the test: takeover within 2 s.
const (
	testLease   = 2 * time.Second
	testRenew   = 1500 * time.Millisecond
	testRetry   = 500 * time.Millisecond
	leaseNS     = "nfd-compat" // the manifests' namespace, where their Role grants Leases
	gcTestGrace = 30 * time.Minute
	// takeoverBound bounds a takeover of a Lease not released: a
	// candidate waits the lease duration from the last change of the
	// record it saw, which it reads every retry period with jitter (up
	// to 2.2 of them: seen up to 1.1 s late, acquired up to 1.1 s
	// late); the rest (a second lease) is slack for a loaded CI
	// machine: the bound proves a takeover, not its speed.
	takeoverBound = 2*testLease + 5*testRetry
)

// leaderReplica is one webhook replica: its own Webhook, HTTPS server
// and election; its loops collect rules every 200 ms (the command's
// RunRuleGC waits at least a minute) and run the drift monitor.
type leaderReplica struct {
	id      string
	wh      *webhook.Webhook
	addr    string
	running atomic.Int64 // loops running now
	starts  atomic.Int64 // times the loops started
	stop    context.CancelFunc
	done    chan error
}

// TestWebhookLeaderElection: two webhook replicas against one API server,
// as a user with only the shipped ClusterRole and Role: exactly one holds
// the Lease, runs the loops, collects a collectable rule and exports the
// leader gauge 1 and the drift gauges; the other's loops never start, its
// counters stay 0 and it exports neither. Both admit pods. The leader
// stopped (Lease released), the other takes over within the lease
// duration and collects. A replica whose Lease is taken from it stops its
// loops within the renew deadline, keeps admitting, and leads again once
// the Lease expires.
func TestWebhookLeaderElection(t *testing.T) {
	cp := tcp.Start(t, tcp.Options{})
	ctx := context.Background()
	cfg := grantShippedRBAC(t, cp)
	dc, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	kc, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cc, err := cluster.NewForConfig(cfg, cluster.Options{})
	if err != nil {
		t.Fatal(err)
	}
	caPEM, certFile, keyFile := webhookPKI(t)
	certs, err := webhook.NewCertReloader(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	now := time.Now().Add(time.Hour) // every rule is past the grace

	start := func(id string) *leaderReplica {
		log := logrus.New()
		log.SetOutput(testWriter{t})
		wh, err := webhook.New(webhook.Config{Dynamic: dc, Log: log.WithField("replica", id), CacheTTL: time.Minute, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		r := &leaderReplica{id: id, wh: wh, addr: listenWebhook(t, wh, certs, metrics.NewSet(), nil), done: make(chan error, 1)}
		var lctx context.Context
		lctx, r.stop = context.WithCancel(ctx)
		le := &election.Lease{Leases: kc.CoordinationV1(), Namespace: leaseNS, Name: election.DefaultLeaseName, Identity: id,
			LeaseDuration: testLease, RenewDeadline: testRenew, RetryPeriod: testRetry, Log: log.WithField("replica", id)}
		go func() {
			r.done <- wh.RunLoops(lctx, le, func(ctx context.Context) {
				r.starts.Add(1)
				r.running.Add(1)
				defer r.running.Add(-1)
				drift := make(chan error, 1)
				go func() { drift <- wh.RunDriftMonitor(ctx, cc, webhook.MinDriftInterval) }()
				tick := time.NewTicker(200 * time.Millisecond)
				defer tick.Stop()
				for {
					select {
					case <-ctx.Done():
						if err := <-drift; err != nil {
							t.Errorf("%s: drift monitor: %v", id, err)
						}
						return
					case <-tick.C:
					}
					if _, err := wh.CollectRules(ctx, gcTestGrace); err != nil && ctx.Err() == nil {
						t.Errorf("%s: CollectRules: %v", id, err)
					}
				}
			})
		}()
		t.Cleanup(func() {
			r.stop()
			if err := <-r.done; err != nil {
				t.Errorf("%s: RunLoops: %v", id, err)
			}
		})
		return r
	}
	holder := func() string {
		l, err := cp.Client.CoordinationV1().Leases(leaseNS).Get(ctx, election.DefaultLeaseName, metav1.GetOptions{})
		if err != nil || l.Spec.HolderIdentity == nil {
			return ""
		}
		return *l.Spec.HolderIdentity
	}
	scrape := func(r *leaderReplica) string {
		t.Helper()
		resp, err := hc.Get("https://" + r.addr + "/metrics")
		if err != nil {
			t.Fatalf("%s: /metrics: %v", r.id, err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	checkMetrics := func(r *leaderReplica, leader bool) {
		t.Helper()
		text := scrape(r)
		want := webhook.LeaderMetric + " 0\n"
		if leader {
			want = webhook.LeaderMetric + " 1\n"
		}
		if !strings.Contains(text, "\n"+want) {
			t.Errorf("%s (leader %v): /metrics has no %q:\n%s", r.id, leader, want, text)
		}
		if got := strings.Contains(text, webhook.PlacedPodsMetric); got != leader {
			t.Errorf("%s (leader %v): drift gauge %s exported: %v, want %v", r.id, leader, webhook.PlacedPodsMetric, got, leader)
		}
		if !leader && strings.Contains(text, webhook.DriftScanErrorsMetric) {
			t.Errorf("%s: a replica that does not lead exports %s", r.id, webhook.DriftScanErrorsMetric)
		}
	}
	admits := func(r *leaderReplica) {
		t.Helper()
		if err := postAdmission(hc, r.addr); err != nil {
			t.Errorf("%s: %v", r.id, err)
		}
	}
	collected := func(name string) {
		t.Helper()
		applyCollectable(t, cp, name)
		poll(t, 10*time.Second, "rule "+name+" to be collected", func() error {
			_, err := cp.Dynamic.Resource(tcp.NodeFeatureRules).Get(ctx, name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				return nil
			}
			return fmt.Errorf("still there (%v)", err)
		})
	}

	a, b := start("replica-a"), start("replica-b")
	var leader, other *leaderReplica
	poll(t, 10*testLease, "one replica to hold the Lease", func() error {
		h := holder()
		for _, p := range [][2]*leaderReplica{{a, b}, {b, a}} {
			if h == p[0].id && p[0].wh.Leading() && !p[1].wh.Leading() {
				leader, other = p[0], p[1]
				return nil
			}
		}
		return fmt.Errorf("holder %q, a leading %v, b leading %v", h, a.wh.Leading(), b.wh.Leading())
	})
	collected("nfd-compat-sha256-111111111111111111111111")
	poll(t, 10*time.Second, "the leader's first drift scan", func() error {
		if !strings.Contains(scrape(leader), webhook.PlacedPodsMetric) {
			return errors.New("no drift gauge yet")
		}
		return nil
	})
	if d, o := leader.wh.Stats().RulesDeleted, other.wh.Stats().RulesDeleted; d != 1 || o != 0 {
		t.Fatalf("rules deleted: leader %d, other %d; want 1 and 0", d, o)
	}
	if n := other.starts.Load(); n != 0 {
		t.Fatalf("the replica without the Lease started its loops %d times", n)
	}
	checkMetrics(leader, true)
	checkMetrics(other, false)
	admits(leader)
	admits(other)

	// The leader stops: its Lease is released, the other takes over
	// within the lease duration and collects.
	stopped := time.Now()
	leader.stop()
	if err := <-leader.done; err != nil {
		t.Fatal(err)
	}
	leader.done <- nil // for the cleanup
	poll(t, 10*testLease, "the other replica to take over", func() error {
		if !other.wh.Leading() || holder() != other.id {
			return fmt.Errorf("holder %q", holder())
		}
		return nil
	})
	// Released: no lease to wait out; the bound is slack for load.
	if took := time.Since(stopped); took > takeoverBound {
		t.Errorf("takeover after the leader stopped (Lease released) took %v, more than %v", took, takeoverBound)
	}
	t.Logf("takeover after the leader stopped (Lease released): %v", time.Since(stopped).Round(time.Millisecond))
	if leader.wh.Leading() || leader.running.Load() != 0 {
		t.Fatalf("the stopped replica still leads (%v) or runs its loops (%d)", leader.wh.Leading(), leader.running.Load())
	}
	collected("nfd-compat-sha256-222222222222222222222222")
	if d, o := other.wh.Stats().RulesDeleted, leader.wh.Stats().RulesDeleted; d != 1 || o != 1 {
		t.Fatalf("rules deleted: new leader %d, old leader %d; want 1 and 1", d, o)
	}
	checkMetrics(other, true)
	checkMetrics(leader, false)

	// Another holder takes the Lease (as after a renewal the API server
	// did not see): the replica stops its loops within the renew
	// deadline, keeps admitting, and leads again once the Lease expires.
	poll(t, 10*time.Second, "the Lease to be taken", func() error {
		l, err := cp.Client.CoordinationV1().Leases(leaseNS).Get(ctx, election.DefaultLeaseName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		id, secs, ts := "intruder", int32(testLease/time.Second), metav1.NewMicroTime(time.Now())
		l.Spec.HolderIdentity, l.Spec.LeaseDurationSeconds, l.Spec.AcquireTime, l.Spec.RenewTime = &id, &secs, &ts, &ts
		_, err = cp.Client.CoordinationV1().Leases(leaseNS).Update(ctx, l, metav1.UpdateOptions{})
		return err
	})
	taken := time.Now()
	poll(t, 10*testLease, "the replica to stop its loops", func() error {
		if other.wh.Leading() || other.running.Load() != 0 {
			return errors.New("still leading")
		}
		return nil
	})
	if took := time.Since(taken); took > testRenew+3*testRetry {
		t.Errorf("loops stopped %v after the Lease was taken, more than the renew deadline %v and two retries", took, testRenew)
	}
	t.Logf("loops stopped after the Lease was taken: %v", time.Since(taken).Round(time.Millisecond))
	checkMetrics(other, false)
	admits(other)
	select {
	case err := <-other.done:
		t.Fatalf("RunLoops returned (%v) on a lost Lease: it must campaign again", err)
	default:
	}
	poll(t, 10*testLease, "the replica to lead again", func() error {
		if !other.wh.Leading() || holder() != other.id {
			return fmt.Errorf("holder %q", holder())
		}
		return nil
	})
	// It campaigns again once it gave up (the renew deadline), then waits
	// a lease duration from the intruder's record it saw.
	if took := time.Since(taken); took > testRenew+takeoverBound {
		t.Errorf("led again %v after the Lease was taken for %v, more than %v", took, testLease, testRenew+takeoverBound)
	}
	t.Logf("led again after the Lease was taken for %v: %v", testLease, time.Since(taken).Round(time.Millisecond))
	if n := other.starts.Load(); n != 2 {
		t.Errorf("loops started %d times, want 2 (once per term)", n)
	}
	collected("nfd-compat-sha256-333333333333333333333333")
	if d := other.wh.Stats().RulesDeleted; d != 2 {
		t.Fatalf("rules deleted by the replica leading again: %d, want 2", d)
	}
	checkMetrics(other, true)
}

// grantShippedRBAC creates the shipped manifests' Namespace, ClusterRole
// and Role, binds both roles to tcp.NoRBAC (a user with no other rights)
// and returns that user's configuration once the rights are in force.
func grantShippedRBAC(t *testing.T, cp *tcp.ControlPlane) *rest.Config {
	t.Helper()
	ctx := context.Background()
	objs, err := tcp.ReadObjects(webhookManifests)
	if err != nil {
		t.Fatal(err)
	}
	user := []rbacv1.Subject{{APIGroup: "rbac.authorization.k8s.io", Kind: "User", Name: tcp.NoRBAC}}
	kinds := map[string]bool{}
	for _, u := range objs {
		switch u.GetKind() {
		case "Namespace", "ClusterRole", "Role":
		default:
			continue
		}
		kinds[u.GetKind()] = true
		r := cp.Dynamic.Resource(manifestResources[u.GetKind()])
		var err error
		if ns := u.GetNamespace(); ns != "" {
			_, err = r.Namespace(ns).Create(ctx, &u, metav1.CreateOptions{})
		} else {
			_, err = r.Create(ctx, &u, metav1.CreateOptions{})
		}
		if err != nil {
			t.Fatalf("%s: create %s %s: %v", webhookManifests, u.GetKind(), u.GetName(), err)
		}
		ref := rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: u.GetKind(), Name: u.GetName()}
		switch u.GetKind() {
		case "ClusterRole":
			_, err = cp.Client.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "leader-test"}, RoleRef: ref, Subjects: user}, metav1.CreateOptions{})
		case "Role":
			_, err = cp.Client.RbacV1().RoleBindings(u.GetNamespace()).Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "leader-test", Namespace: u.GetNamespace()}, RoleRef: ref, Subjects: user}, metav1.CreateOptions{})
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(kinds) != 3 {
		t.Fatalf("%s: want a Namespace, a ClusterRole and a Role (Leases), got %v", webhookManifests, kinds)
	}
	cfg := rest.CopyConfig(cp.Config)
	cfg.BearerToken = cp.Token(tcp.NoRBAC)
	kc, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	poll(t, 30*time.Second, "the shipped roles to be in force", func() error {
		if _, err := kc.CoordinationV1().Leases(leaseNS).Get(ctx, election.DefaultLeaseName, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("get Lease: %v, want not found", err)
		}
		_, err := kc.CoreV1().Pods("").List(ctx, metav1.ListOptions{Limit: 1})
		return err
	})
	// Nothing beyond them: no Lease in another namespace.
	if _, err := kc.CoordinationV1().Leases("default").Get(ctx, election.DefaultLeaseName, metav1.GetOptions{}); !apierrors.IsForbidden(err) {
		t.Fatalf("get a Lease in namespace default: %v, want forbidden (the Role is namespaced)", err)
	}
	return cfg
}

// applyCollectable applies a rule of the webhook (its label and field
// manager) that no pod references.
func applyCollectable(t *testing.T, cp *tcp.ControlPlane, name string) {
	t.Helper()
	digest := strings.TrimPrefix(name, "nfd-compat-sha256-")
	nfr := &nfdv1alpha1.NodeFeatureRule{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{webhook.ArtifactLabel: digest}},
		Spec: nfdv1alpha1.NodeFeatureRuleSpec{Rules: []nfdv1alpha1.Rule{{Name: "r", Labels: map[string]string{
			"compat.nfd-compat.io/sha256-" + digest + ".gpu": "true"}}}}}
	if _, err := schedule.ApplyRule(context.Background(), cp.Dynamic, webhook.DefaultFieldManager, nfr); err != nil {
		t.Fatal(err)
	}
}

// postAdmission POSTs a pod's AdmissionReview to a replica's /mutate and
// checks that it is allowed and decided (no registry is allowed: the
// image is decided by on_error=allow, with the annotation).
func postAdmission(hc *http.Client, addr string) error {
	raw, err := json.Marshal(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "registry.example.com/app:v1"}}}})
	if err != nil {
		return err
	}
	body, err := json.Marshal(&admissionv1.AdmissionReview{TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{UID: "u", Kind: metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
			Operation: admissionv1.Create, Namespace: "default", Object: runtime.RawExtension{Raw: raw}}})
	if err != nil {
		return err
	}
	resp, err := hc.Post("https://"+addr+"/mutate", "application/json", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("/mutate: %w", err)
	}
	defer resp.Body.Close()
	var out admissionv1.AdmissionReview
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return fmt.Errorf("/mutate: %s: %w", resp.Status, err)
	}
	if out.Response == nil || !out.Response.Allowed || !bytes.Contains(out.Response.Patch, []byte(webhook.DecisionAnnotation)) {
		return fmt.Errorf("/mutate: want allowed with the placement annotation, got %+v", out.Response)
	}
	return nil
}

// webhookCmd is the nfd-compat-webhook executable ($NFD_COMPAT_BIN_DIR's
// or built).
var webhookCmd = containerdtest.Command{Name: "nfd-compat-webhook"}

// TestWebhookLeaderProcesses: two nfd-compat-webhook processes of one host
// (POD_NAMESPACE as the manifests set it, the shipped roles only) elect
// one leader under distinct identities: exactly one exports
// nfd_compat_webhook_leader 1 and the drift gauges; both admit. The
// leader killed (SIGKILL: no release), the other takes over within the
// lease duration and a retry; SIGTERMed, it exits 0 and releases the
// Lease. Bad leader flags exit 2 naming the flag.
func TestWebhookLeaderProcesses(t *testing.T) {
	bin := webhookCmd.Path(t)
	var stderr bytes.Buffer
	bad := exec.Command(bin, "-leader-elect-resource-namespace=ns", "-leader-elect-lease-duration=1s")
	bad.Stderr = &stderr
	if err := bad.Run(); bad.ProcessState == nil || bad.ProcessState.ExitCode() != 2 || !strings.Contains(stderr.String(), "-leader-elect-lease-duration 1s must be longer than -leader-elect-renew-deadline 10s") {
		t.Fatalf("bad leader flags: %v, exit %v, stderr %q; want exit 2 naming the flag", err, bad.ProcessState, stderr.String())
	}

	cp := tcp.Start(t, tcp.Options{})
	ctx := context.Background()
	grantShippedRBAC(t, cp)
	kubeconfig := cp.Kubeconfig(t, tcp.NoRBAC)
	caPEM, certFile, keyFile := webhookPKI(t)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	dir := t.TempDir()

	type proc struct {
		addr string
		cmd  *exec.Cmd
		done chan error
	}
	start := func(name string) *proc {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := &proc{addr: ln.Addr().String(), done: make(chan error, 1)}
		ln.Close()
		logf, err := os.Create(filepath.Join(dir, name+".log"))
		if err != nil {
			t.Fatal(err)
		}
		p.cmd = exec.Command(bin, "-listen="+p.addr, "-tls-cert-file="+certFile, "-tls-key-file="+keyFile, "-kubeconfig="+kubeconfig,
			"-drift-interval=10s", "-leader-elect-lease-duration="+testLease.String(), "-leader-elect-renew-deadline="+testRenew.String(),
			"-leader-elect-retry-period="+testRetry.String())
		p.cmd.Env = append(os.Environ(), "POD_NAMESPACE="+leaseNS)
		p.cmd.Stdout, p.cmd.Stderr = logf, logf
		if err := p.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { p.done <- p.cmd.Wait(); logf.Close() }()
		t.Cleanup(func() {
			if p.cmd.ProcessState == nil {
				_ = p.cmd.Process.Kill()
				<-p.done
			}
			if t.Failed() {
				b, _ := os.ReadFile(logf.Name())
				t.Logf("--- %s's log:\n%s", name, b)
			}
		})
		return p
	}
	gauge := func(p *proc) (string, string) {
		resp, err := hc.Get("https://" + p.addr + "/metrics")
		if err != nil {
			return "", ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, webhook.LeaderMetric+" "); ok {
				return v, string(b)
			}
		}
		return "", string(b)
	}
	holder := func() string {
		l, err := cp.Client.CoordinationV1().Leases(leaseNS).Get(ctx, election.DefaultLeaseName, metav1.GetOptions{})
		if err != nil || l.Spec.HolderIdentity == nil {
			return ""
		}
		return *l.Spec.HolderIdentity
	}
	a, b := start("a"), start("b")
	var leader, other *proc
	poll(t, 30*time.Second, "one process to lead", func() error {
		ga, _ := gauge(a)
		gb, _ := gauge(b)
		switch {
		case ga == "1" && gb == "0":
			leader, other = a, b
		case ga == "0" && gb == "1":
			leader, other = b, a
		default:
			return fmt.Errorf("leader gauges: a %q, b %q", ga, gb)
		}
		return nil
	})
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	first := holder()
	if !strings.HasPrefix(first, host+"_") {
		t.Fatalf("Lease holder %q: want the hostname %s, _ and a random suffix", first, host)
	}
	poll(t, 10*time.Second, "the leader's drift gauges", func() error {
		if _, text := gauge(leader); !strings.Contains(text, webhook.PlacedPodsMetric) {
			return errors.New("none yet")
		}
		return nil
	})
	if _, text := gauge(other); strings.Contains(text, "nfd_compat_webhook_drift") || strings.Contains(text, webhook.PlacedPodsMetric) {
		t.Fatalf("the process that does not lead exports drift metrics:\n%s", text)
	}
	for _, p := range []*proc{leader, other} {
		if err := postAdmission(hc, p.addr); err != nil {
			t.Fatal(err)
		}
	}

	killed := time.Now()
	if err := leader.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-leader.done
	poll(t, 10*testLease, "the other process to take over", func() error {
		if g, _ := gauge(other); g != "1" {
			return fmt.Errorf("leader gauge %q", g)
		}
		return nil
	})
	took := time.Since(killed)
	t.Logf("takeover after SIGKILL of the leader (no release): %v", took.Round(time.Millisecond))
	if took > takeoverBound {
		t.Errorf("takeover took %v, more than %v (the lease duration %v and a jittered retry)", took, takeoverBound, testLease)
	}
	if h := holder(); h == first || !strings.HasPrefix(h, host+"_") {
		t.Errorf("Lease holder %q after takeover (first %q): want the other process's identity", h, first)
	}
	if err := postAdmission(hc, other.addr); err != nil {
		t.Fatal(err)
	}
	if err := other.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-other.done:
		if err != nil {
			t.Fatalf("after SIGTERM: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no exit within 20s of SIGTERM")
	}
	if h := holder(); h != "" {
		t.Errorf("Lease held by %q after SIGTERM: want it released", h)
	}
}
