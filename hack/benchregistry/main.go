// Command benchregistry serves the registries of internal/testregistry outside
// of `go test`, seeded with the same image and compatibility spec on each, so
// hack/bench-validate-node.sh can compare whole-process validate-node runs of
// nfd-compat and upstream nfd by the HTTP requests each makes.
//
//	go run ./hack/benchregistry -spec examples/demo-spec.yaml [-kinds ggcr-referrers,distribution]
//
// It prints, then keeps serving until interrupted:
//
//	control http://127.0.0.1:PORT
//	registry KIND HOST
//	...
//	ready
//
// GET CONTROL/requests answers "KIND COUNT" lines: the requests each registry
// has served so far (seeding included; take differences).
//
// Each registry holds bench/app:v1 (a linux/amd64 image whose own manifest
// carries the spec) and bench/multi:v1 (an index over linux/amd64 and
// linux/arm64 with the spec attached to the index, as `attach-spec` does by
// default).
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/artifact"
)

func main() {
	specFile := flag.String("spec", "examples/demo-spec.yaml", "compatibility spec to attach to every image")
	kinds := flag.String("kinds", "ggcr-referrers,ggcr-tagschema,distribution", "registry kinds to start (distribution needs the registry binary: $"+testregistry.BinEnv+" or a Go toolchain)")
	flag.Parse()
	if err := run(*specFile, strings.Split(*kinds, ",")); err != nil {
		fmt.Fprintln(os.Stderr, "benchregistry:", err)
		os.Exit(1)
	}
}

func run(specFile string, kinds []string) error {
	specYAML, err := os.ReadFile(specFile)
	if err != nil {
		return err
	}
	tb := newProcessTB()
	defer tb.cleanup()

	ctx := context.Background()
	var regs []*testregistry.Registry
	for _, k := range kinds {
		reg, err := tb.start(testregistry.Kind(k))
		if err != nil {
			return err
		}
		if err := tb.do(func() { seed(ctx, tb, reg, specYAML) }); err != nil {
			return fmt.Errorf("seed %s: %w", k, err)
		}
		regs = append(regs, reg)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /requests", func(w http.ResponseWriter, _ *http.Request) {
		for _, r := range regs {
			fmt.Fprintf(w, "%s %d\n", r.Kind, r.Requests())
		}
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(l) }()
	defer srv.Close()

	fmt.Printf("control http://%s\n", l.Addr())
	for _, r := range regs {
		fmt.Printf("registry %s %s\n", r.Kind, r.Host)
	}
	fmt.Println("ready")

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	return nil
}

// seed pushes bench/app:v1 and bench/multi:v1 with the spec attached,
// failing through t (run it under processTB.do).
func seed(ctx context.Context, t testing.TB, reg *testregistry.Registry, specYAML []byte) {
	created, _ := time.Parse(time.RFC3339, testimage.Created)
	attach := func(repo string, subject ocispec.Descriptor, err error) {
		if err != nil {
			t.Fatalf("push %s: %v", repo, err)
		}
		if _, err := artifact.Attach(ctx, reg.Repo(t, repo), subject, specYAML, artifact.AttachOptions{Created: created}); err != nil {
			t.Fatalf("attach to %s: %v", repo, err)
		}
	}
	img, err := testimage.Push(ctx, reg.Repo(t, "bench/app"), "v1")
	attach("bench/app", img, err)
	idx, _, err := testimage.PushIndex(ctx, reg.Repo(t, "bench/multi"), "v1", []string{"linux/amd64", "linux/arm64"})
	attach("bench/multi", idx, err)
}
