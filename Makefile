# nfd-compat — see README.md.
GO        ?= go
BIN       := $(CURDIR)/bin
# The CNCF distribution registry (no referrers API) that integration tests run.
DISTRIBUTION_VERSION ?= v3.1.2
TEST_FLAGS ?= -timeout 30m
# containerd's release build tags without btrfs/devmapper/zfs headers; used for
# containerd, ctr and containerd-nfd (containerd's main with our plugin).
CONTAINERD_TAGS := no_btrfs no_devmapper no_zfs urfave_cli_no_docs
CONTAINERD_MODULE := github.com/containerd/containerd/v2
# cri-tools for the CRI (kubelet path) tests.
CRICTL_VERSION ?= v1.37.0

.PHONY: all build containerd-bins control-plane demo test test-short fuzz bench bench-pull bench-validate-node bench-fleet bench-cluster bench-webhook vet fmt clean

all: build

# nfd-compat and nfd-compat-verifier run once per command or per pull, so
# process start is most of their time: they are static Go binaries (no cgo,
# no dynamic loader: about 1.5-2 ms, 10%, less per run, measured side by
# side). Only containerd-nfd, containerd's daemon with our plugin, needs cgo
# and containerd's tags. STATIC_LDFLAGS='-s -w' strips them as
# contrib/Dockerfile does: 30% smaller files, but no faster to start.
# nfd-compat-verifier (the bindir client) and nfd-compat-verifierd (the
# resident and one-shot verifier it asks or falls back to) are built by
# hack/build-verifier.sh, the one definition of their build (the tests that
# build them run the script too): the client links only the standard
# library, the full verifier only what a decision needs, no client-go (see
# the script). VERIFIER_FALLBACK is the full verifier's path compiled into
# the client (default /usr/local/sbin/nfd-compat-verifierd, where
# contrib/containerd/install-verifier.sh installs it).
# nfd-compat-containerd, also static, holds pull, doctor and check-images:
# nfd-compat runs it from its own directory (internal/cli/companion), so
# that its other commands start without containerd's client, grpc and
# nerdctl (docs/validate-node.md, Performance).
CGO_CMDS := ./cmd/containerd-nfd
VERIFIER_CMDS := ./cmd/nfd-compat-verifier ./cmd/nfd-compat-verifierd
STATIC_CMDS := $(filter-out $(CGO_CMDS) $(VERIFIER_CMDS),$(wildcard ./cmd/*))
STATIC_LDFLAGS ?=
VERIFIER_FALLBACK ?= /usr/local/sbin/nfd-compat-verifierd

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(STATIC_LDFLAGS)" -o $(BIN)/ $(STATIC_CMDS)
	GO=$(GO) LDFLAGS="$(STATIC_LDFLAGS)" VERIFIER_FALLBACK="$(VERIFIER_FALLBACK)" ./hack/build-verifier.sh $(BIN)
	CGO_ENABLED=1 $(GO) build -tags "$(CONTAINERD_TAGS)" -o $(BIN)/ $(CGO_CMDS)

# containerd and ctr at the version go.mod pins, and crictl: the daemon and
# clients of the end-to-end tests (integration/containerd_*), which take them
# from $(BIN) through NFD_COMPAT_BIN_DIR.
containerd-bins: $(BIN)/containerd $(BIN)/ctr $(BIN)/crictl

$(BIN)/containerd $(BIN)/ctr: go.mod
	CGO_ENABLED=1 $(GO) build -tags "$(CONTAINERD_TAGS)" -o $@ $(CONTAINERD_MODULE)/cmd/$(notdir $@)

$(BIN)/crictl:
	GOBIN=$(BIN) GOFLAGS=-mod=mod $(GO) install sigs.k8s.io/cri-tools/cmd/crictl@$(CRICTL_VERSION)

# The Kubernetes control plane of the cluster tests (internal/testcontrolplane):
# etcd, kube-apiserver, kube-scheduler and nfd-master, built from the Go module
# proxy by nested modules under hack/controlplane/, so the project's go.mod
# never requires k8s.io/kubernetes. Each version is pinned in one place only:
# the require line of that module's go.mod (committed with its go.sum, so no
# checksum database is needed: sum.golang.org is not reachable here; only
# `go mod tidy` in those modules, when bumping a version, needs GONOSUMDB='*').
# Static (CGO_ENABLED=0), built under nice: about 10 minutes on 2 cores from an
# empty build cache, seconds to relink from a warm one. GOFLAGS=-mod=readonly
# overrides a caller's -mod=mod so that go.sum is what is verified.
CONTROLPLANE   := $(CURDIR)/hack/controlplane
CONTROLPLANE_BINS := $(BIN)/etcd $(BIN)/kube-apiserver $(BIN)/kube-scheduler $(BIN)/nfd-master $(BIN)/nfd-api-crds.yaml
CP_GO           = cd $(CONTROLPLANE)/$(1) && CGO_ENABLED=0 GOFLAGS="$(filter-out -mod=%,$(GOFLAGS)) -mod=readonly" nice -n 10 $(GO)
modversion      = $(shell awk '$$1 == "require" && $$2 == "$(2)" { print $$3; exit } $$1 == "$(2)" && $$2 ~ /^v/ { print $$2; exit }' $(CONTROLPLANE)/$(1)/go.mod)
KUBE_VERSION   := $(call modversion,kube,k8s.io/kubernetes)
KUBE_SEMVER    := $(subst ., ,$(patsubst v%,%,$(KUBE_VERSION)))
KUBE_LDFLAGS   := -X k8s.io/component-base/version.gitVersion=$(KUBE_VERSION) \
	-X k8s.io/component-base/version.gitMajor=$(word 1,$(KUBE_SEMVER)) -X k8s.io/component-base/version.gitMinor=$(word 2,$(KUBE_SEMVER))
NFD_VERSION    := $(call modversion,nfd,sigs.k8s.io/node-feature-discovery)

control-plane: $(CONTROLPLANE_BINS)

$(BIN)/etcd: $(addprefix $(CONTROLPLANE)/etcd/,go.mod go.sum main.go)
	$(call CP_GO,etcd) build -trimpath -o $@ .

# One go build for both, so the packages they share compile once.
$(BIN)/kube-apiserver $(BIN)/kube-scheduler &: $(addprefix $(CONTROLPLANE)/kube/,go.mod go.sum)
	$(call CP_GO,kube) build -trimpath -ldflags "$(KUBE_LDFLAGS)" -o $(BIN)/ k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-scheduler

# nfd-master, and NFD's CRDs from the same module version for the tests to install.
$(BIN)/nfd-master $(BIN)/nfd-api-crds.yaml &: $(addprefix $(CONTROLPLANE)/nfd/,go.mod go.sum)
	$(call CP_GO,nfd) build -trimpath -ldflags "-X sigs.k8s.io/node-feature-discovery/pkg/version.version=$(NFD_VERSION)" -o $(BIN)/ sigs.k8s.io/node-feature-discovery/cmd/nfd-master
	install -m 0644 "$$($(call CP_GO,nfd) list -m -f '{{.Dir}}' sigs.k8s.io/node-feature-discovery)/deployment/base/nfd-crds/nfd-api-crds.yaml" $(BIN)/nfd-api-crds.yaml

# The README's first command: a complete demo on an OCI layout, no registry or
# daemon. It builds only the CLI it runs (not containerd-nfd, which compiles all
# of containerd with cgo).
demo:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(STATIC_LDFLAGS)" -o $(BIN)/ ./cmd/nfd-compat
	./hack/demo.sh

$(BIN)/registry:
	GOBIN=$(BIN) GOFLAGS=-mod=mod $(GO) install github.com/distribution/distribution/v3/cmd/registry@$(DISTRIBUTION_VERSION)

# The README's second command: every test, against real registries, and as
# root against a real containerd (the containerd tests skip, saying so, when
# not root).
test: $(BIN)/registry build containerd-bins control-plane
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	NFD_COMPAT_DISTRIBUTION_BIN=$(BIN)/registry NFD_COMPAT_BIN_DIR=$(BIN) \
	NFD_COMPAT_CONTAINERD_NFD=$(BIN)/containerd-nfd NFD_COMPAT_CTR=$(BIN)/ctr NFD_COMPAT_VERIFIER=$(BIN)/nfd-compat-verifierd \
	$(GO) test $(TEST_FLAGS) ./...

test-short:
	$(GO) test -short ./...

# Short runs of every fuzz target (go test -fuzz takes one target at a time).
fuzz:
	$(GO) test -run='^$$' -fuzz=FuzzParse -fuzztime=30s ./pkg/spec
	$(GO) test -run='^$$' -fuzz=FuzzDecodeExport -fuzztime=30s ./pkg/features
	$(GO) test -run='^$$' -fuzz=FuzzYAMLDocs -fuzztime=30s ./pkg/features
	$(GO) test -run='^$$' -fuzz=FuzzBlockYAML -fuzztime=30s ./pkg/features
	$(GO) test -run='^$$' -fuzz=FuzzReference -fuzztime=30s ./pkg/target
	$(GO) test -run='^$$' -fuzz=FuzzDecode -fuzztime=30s ./pkg/verifier/bindir/wire

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

# Per-pull overhead of the verifier through a real containerd (root); see
# docs/enforce.md for the numbers.
bench-pull: build containerd-bins
	NFD_COMPAT_BIN_DIR=$(BIN) ./hack/bench-pull.sh

# Whole-process validate-node vs upstream `nfd compat validate-node`, side by
# side on local registries with and without the referrers API.
bench-validate-node: $(BIN)/registry
	NFD_COMPAT_DISTRIBUTION_BIN=$(BIN)/registry ./hack/bench-validate-node.sh $(RUNS)

# validate-node over 5,000 feature files (target: under 5 s and 500 MiB).
bench-fleet:
	$(GO) test -run='^$$' -bench='BenchmarkFleet|BenchmarkLoadPaths|BenchmarkDecodeExport' -benchtime=1x ./pkg/cmd/validatenode ./pkg/features

# The cluster path at scale on a real control plane (not in CI): validate-node
# --cluster over 5,000 nodes' NodeFeatures, nfd-master labelling after
# schedule's rule, pod create -> bound, the webhook's drift scan. BENCH_NODES
# sets the Node count of BenchmarkScheduleCluster and BenchmarkDriftScan.
# Figures: docs/rules.md, docs/webhook.md (drift).
BENCH_NODES ?= 5000
bench-cluster: control-plane
	NFD_COMPAT_BIN_DIR=$(BIN) NFD_COMPAT_BENCH_NODES=$(BENCH_NODES) $(GO) test -run='^$$' \
		-bench='BenchmarkValidateNodeCluster|BenchmarkClusterList|BenchmarkScheduleCluster|BenchmarkDriftScan' -benchtime=1x -timeout 90m ./integration

# The admission webhook at scale on the same control plane (not in CI):
# BENCH_NODES Nodes (at least 110; a tenth GPU hosts), kube-apiserver calling the webhook
# over TLS; admission latency, pod create -> bound warm and cold, registry
# requests per 1,000 pods. Several minutes (nfd-master labels about 25 nodes
# a second). Figures: docs/webhook.md.
bench-webhook: control-plane
	NFD_COMPAT_BIN_DIR=$(BIN) NFD_COMPAT_BENCH_NODES=$(BENCH_NODES) $(GO) test -run='^$$' \
		-bench='BenchmarkWebhookCluster' -benchtime=1x -timeout 90m ./integration

vet:
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf $(BIN) _output
