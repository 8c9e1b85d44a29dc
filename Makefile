# nfd-compat — see README.md.
GO        ?= go
BIN       := $(CURDIR)/bin
# The CNCF distribution registry (no referrers API) that integration tests run.
DISTRIBUTION_VERSION ?= v3.1.2
TEST_FLAGS ?= -timeout 30m

.PHONY: all build demo test test-short fuzz bench vet fmt clean

all: build

build:
	$(GO) build -o $(BIN)/ ./cmd/...

# The README's first command: a complete demo on an OCI layout, no registry or daemon.
demo: build
	./hack/demo.sh

$(BIN)/registry:
	GOBIN=$(BIN) GOFLAGS=-mod=mod $(GO) install github.com/distribution/distribution/v3/cmd/registry@$(DISTRIBUTION_VERSION)

# The README's second command: every test, against real registries.
test: $(BIN)/registry
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	NFD_COMPAT_DISTRIBUTION_BIN=$(BIN)/registry $(GO) test $(TEST_FLAGS) ./...

test-short:
	$(GO) test -short ./...

# Short runs of every fuzz target (go test -fuzz takes one target at a time).
fuzz:
	$(GO) test -run='^$$' -fuzz=FuzzParse -fuzztime=30s ./pkg/spec

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

vet:
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf $(BIN) _output
