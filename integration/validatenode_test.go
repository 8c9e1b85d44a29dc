package integration

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"reflect"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	nodevalidator "sigs.k8s.io/node-feature-discovery/pkg/client-nfd/compat/node-validator"

	"github.com/nfd-compat/nfd-compat/internal/testfiles"
	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/validatenode"
)

const (
	demoSpec = "../examples/demo-spec.yaml" // any Linux host passes
	gpuSpec  = "../examples/gpu-spec.yaml"  // needs an NVIDIA GPU
	fixtures = "../pkg/features/testdata"
)

// TestValidateNode checks this host against specs attached on every place.
func TestValidateNode(t *testing.T) {
	ctx := context.Background()
	for _, p := range places(t) {
		t.Run(p.name, func(t *testing.T) {
			for _, tag := range []string{"ok", "gpu", "none"} {
				if _, err := testimage.Push(ctx, p.store(t, "node"), tag, testimage.WithContent([]byte(tag))); err != nil {
					t.Fatal(err)
				}
			}
			must(t, 0, args("attach-spec", p.flags, p.ref("node", "ok"), demoSpec)...)
			must(t, 0, args("attach-spec", p.flags, p.ref("node", "gpu"), gpuSpec)...)

			r := must(t, 0, args("validate-node", p.flags, p.ref("node", "ok"), "-o", "json")...)
			var res validatenode.Result
			if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
				t.Fatalf("%v\n%s", err, r.stdout)
			}
			if !res.Compatible || res.BestSet == nil || res.BestSet.Tag != "demo" || res.Artifact == "" {
				t.Fatalf("validate-node -o json: %+v", res)
			}

			r = must(t, 1, args("validate-node", p.flags, p.ref("node", "gpu"), "--no-color")...)
			for _, want := range []string{"INCOMPATIBLE", "pci.device.vendor In [10de]", "no instance with", "kernel.loadedmodule.nvidia Exists"} {
				if !strings.Contains(r.stdout, want) {
					t.Fatalf("incompatible report lacks %q:\n%s", want, r.stdout)
				}
			}
			// The upstream flag spelling, and its JSON schema.
			r = must(t, 1, args("validate-node", p.flags, "--image", p.ref("node", "gpu"), "--output-json")...)
			var up []nodevalidator.CompatibilityStatus
			if err := json.Unmarshal([]byte(r.stdout), &up); err != nil {
				t.Fatalf("--output-json is not upstream's schema: %v\n%s", err, r.stdout)
			}
			if len(up) != 1 || up[0].Tag != "gpu" || len(up[0].Rules) != 2 || up[0].Rules[0].IsMatch {
				t.Fatalf("--output-json: %+v", up)
			}

			must(t, 3, args("validate-node", p.flags, p.ref("node", "none"))...)
			must(t, 3, args("validate-node", p.flags, p.ref("node", "ok"), "--tags", "nosuchtag")...)
			must(t, 0, args("validate-node", p.flags, p.ref("node", "ok"), "--tags", "minimal")...)
		})
	}
}

func TestValidateNodeRegistryDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	r := must(t, 2, "validate-node", "--plain-http", addr+"/app:v1")
	if !strings.Contains(r.stderr, addr) || !strings.Contains(r.stderr, "connection refused") {
		t.Fatalf("registry down: want the address and the cause:\n%s", r.stderr)
	}
}

// TestValidateNodeHostRoot: --host-root reads the fixture tree, not this host.
func TestValidateNodeHostRoot(t *testing.T) {
	spec := testfiles.Write(t, t.TempDir(), "fixtureos.yaml", `version: v1alpha1
compatibilities:
- rules:
  - name: os
    matchFeatures:
    - feature: system.osrelease
      matchExpressions:
        ID: {op: In, value: ["fixtureos"]}
        VERSION_ID.major: {op: In, value: ["42"]}
`)
	must(t, 0, "validate-node", "--spec", spec, "--host-root", fixtures+"/hostroot")
	r := must(t, 1, "validate-node", "--spec", spec, "--no-color")
	if !strings.Contains(r.stdout, "system.osrelease.ID In [fixtureos]") {
		t.Fatalf("this host should fail the fixture OS check:\n%s", r.stdout)
	}
}

// TestValidateNodeFleet: feature files of several nodes, one verdict each.
func TestValidateNodeFleet(t *testing.T) {
	r := must(t, 0, "validate-node", "--spec", gpuSpec, "--features-file", fixtures, "-o", "json")
	var res validatenode.FleetResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	verdicts := map[string]bool{}
	for _, n := range res.Nodes {
		if n.Report == nil {
			t.Fatalf("node %s: %s", n.Node, n.Error)
		}
		verdicts[n.Node] = n.Compatible
	}
	// The fixtures with an NVIDIA GPU: an exported host and two NodeFeature objects.
	want := map[string]bool{"nvidia-gpu": true, "worker-1": true, "gpu-node": true, "cpu-node": false, "arm64": false, "old-kernel": false, "this-host": false}
	if !reflect.DeepEqual(verdicts, want) || res.Compatible != 3 {
		t.Fatalf("fleet verdicts %v (compatible %d), want %v", verdicts, res.Compatible, want)
	}
	table := must(t, 0, "validate-node", "--spec", gpuSpec, "--features-file", fixtures+"/arm64.json", "--features-file", fixtures+"/nvidia-gpu.json")
	if !strings.Contains(table.stdout, "1 of 2 nodes compatible") {
		t.Fatalf("fleet table:\n%s", table.stdout)
	}
	must(t, 1, "validate-node", "--spec", gpuSpec, "--features-file", fixtures+"/arm64.json", "--features-file", fixtures+"/old-kernel.json")
}

// stall is a registry Middleware that, once on, stops answering the requests
// it matches: it holds them until the client gives up (the request's context
// ends), as a registry behind a dead proxy or a full network buffer does. It
// counts the requests it is holding.
type stall struct {
	on      atomic.Bool
	match   func(*http.Request) bool
	holding atomic.Int64
}

func (s *stall) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if s.on.Load() && s.match(req) {
			s.holding.Add(1)
			defer s.holding.Add(-1)
			<-req.Context().Done()
			return
		}
		next.ServeHTTP(w, req)
	})
}

// TestValidateNodeTimeout: a registry that stops answering, at the first
// request or in the middle (after the image resolved), makes validate-node
// --timeout 2s give up with exit 2 and a message naming the timeout; nothing
// is left running: no request held open on the registry, no goroutine.
func TestValidateNodeTimeout(t *testing.T) {
	for _, tc := range []struct {
		name  string
		match func(*http.Request) bool
	}{
		{"every request", func(*http.Request) bool { return true }},
		{"referrers only", func(req *http.Request) bool { return strings.Contains(req.URL.Path, "/referrers/") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &stall{match: tc.match}
			reg := testregistry.Start(t, testregistry.GGCRReferrers, st.middleware)
			p := registryPlace(reg)
			if _, err := testimage.Push(context.Background(), p.store(t, "slow"), "v1"); err != nil {
				t.Fatal(err)
			}
			must(t, 0, args("attach-spec", p.flags, p.ref("slow", "v1"), demoSpec)...)
			st.on.Store(true)

			baseline := runtime.NumGoroutine()
			start := time.Now()
			done := make(chan result, 1)
			go func() {
				done <- run(t, "", args("validate-node", p.flags, p.ref("slow", "v1"), "--timeout", "2s", "--no-color")...)
			}()
			var r result
			select {
			case r = <-done:
			case <-time.After(60 * time.Second): // a hang, not a speed limit
				t.Fatal("validate-node --timeout 2s still running after 60s")
			}
			took := time.Since(start)
			if r.code != 2 {
				t.Fatalf("exit %d, want 2\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stderr, "--timeout 2s") {
				t.Errorf("message does not name the timeout:\n%s", r.stderr)
			}
			if took < 2*time.Second {
				t.Errorf("gave up after %v, before the 2s timeout", took)
			}
			t.Logf("gave up after %v: %s", took.Round(time.Millisecond), strings.TrimSpace(r.stderr))

			// The client hung up: the registry holds nothing, and the
			// goroutines (ours and the server's) are gone.
			waitFor(t, "requests held by the registry to end", func() bool { return st.holding.Load() == 0 })
			waitFor(t, "goroutines to return to the baseline", func() bool { return runtime.NumGoroutine() <= baseline })
		})
	}
}

// waitFor polls cond for up to 10 seconds and fails with the goroutine dump.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("timed out waiting for %s; goroutines:\n%s", what, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}
