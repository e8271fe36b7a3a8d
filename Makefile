# jana-mcp — every workflow in one place. `make demo` runs everything locally; `make test` is
# what CI runs (through .ci/run). Tools are pinned in go.mod/tools.go and test/node's lockfile.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS := -s -w -X github.com/janaplatform/jana-mcp/internal/version.version=$(VERSION) -X github.com/janaplatform/jana-mcp/internal/version.commit=$(COMMIT)
BIN := bin

.PHONY: demo sandbox serve build build-static generate check-generate snapshots screenshots docs check-docs schema drift regenerate lint test test-go node-deps cluster-deps browser-deps clean help

# PORT: the port `make demo` (and `make serve`) listen on.
PORT ?= 8080

help: ## List targets and the variables they take
	@echo "Targets:"
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'
	@echo "Variables (make VAR=value target):"
	@printf "  %-24s %s\n" "PORT=$(PORT)" "port of make demo and make serve" \
		"GO=$(GO)" "the go command" \
		"VERSION=$(VERSION)" "version stamped into builds (git describe)" \
		"FUZZTIME=$(FUZZTIME)" "time per target of make fuzz" \
		"FUZZFLAGS=$(FUZZFLAGS)" "extra flags of make fuzz (e.g. -parallel=1)"

demo: ## Run the sandbox Jana and the MCP server on 127.0.0.1:PORT (8080; make demo PORT=8081), print client configuration
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/jana-mcp demo --port $(PORT)

sandbox: ## Run only the sandbox Jana backend on 127.0.0.1:8000
	$(GO) run ./cmd/jana-mcp sandbox --addr 127.0.0.1:8000

serve: ## Run the MCP server on PORT against JANA_BACKEND_URL
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/jana-mcp serve --port $(PORT)

build: ## Build bin/jana-mcp for this machine
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/jana-mcp ./cmd/jana-mcp

build-static: ## Build the static linux binary exactly as the Dockerfile does
	VERSION=$(VERSION) scripts/build-static.sh $(BIN)/jana-mcp-static

generate: ## Regenerate gen/ from api/ (the client with oapi-codegen, pinned in go.mod; the adapter's operations; the tools)
	$(GO) generate ./...

check-generate: ## Fail if gen/ is not what api/ generates
	scripts/check-generate.sh

snapshots: ## Rewrite the tool-schema snapshots (internal/tools/testdata/snapshots) after reviewing a change
	UPDATE_SNAPSHOTS=1 $(GO) test -count=1 -run TestToolSnapshots ./internal/tools/

docs: ## Regenerate the README's tool and configuration reference
	$(GO) run ./cmd/jana-mcp-docs

check-docs: ## Fail if the README's generated sections are stale
	$(GO) run ./cmd/jana-mcp-docs -check

# The backend-change workflow (README: "When the backend changes"). They read JANA_BACKEND_URL and
# JANA_TOKEN, JANA_EMAIL/JANA_PASSWORD (a JWT) or JANA_USERNAME/JANA_PASSWORD (a DRF token), like the server.
regenerate: ## Fetch the live schema, report per tool, regenerate, build, refresh snapshots and docs, sum up
	$(GO) run ./cmd/jana-mcp-drift regenerate

schema: ## Fetch the live schema from JANA_BACKEND_URL/api/schema/ into api/openapi.yaml
	$(GO) run ./cmd/jana-mcp-drift fetch -out api/openapi.yaml

drift: ## Compare the live schema with api/openapi.yaml; fail naming the tools a change in what they use affects
	$(GO) build -o $(BIN)/jana-mcp-drift ./cmd/jana-mcp-drift
	$(BIN)/jana-mcp-drift check

lint: ## gofmt and go vet
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

node-deps: ## Install the pinned Node tooling (Node 22, MCP TS SDK, conformance suite)
	scripts/node-setup.sh >/dev/null

cluster-deps: ## Install redis-server and nginx (Debian packages) for the multi-replica tests
	scripts/cluster-setup.sh

browser-deps: ## Install chromium (Debian package) for the browser tests of the landing page and the MCP Apps views
	scripts/browser-setup.sh

test: lint check-generate check-docs node-deps cluster-deps browser-deps test-go ## Everything CI checks

# Test artifacts (the browser tests' screenshots) land in bin/test-artifacts/_artifacts/.
test-go: ## Go tests, including end-to-end runs of the Node clients and the conformance suite
	mkdir -p $(BIN)/test-artifacts
	JANA_MCP_REQUIRE_NODE=1 $(GO) test -race -count=1 -timeout 30m -artifacts -outputdir=$(BIN)/test-artifacts ./...

screenshots: node-deps browser-deps ## Rewrite docs/images (the README's screenshots) from the browser tests and the PNG chart test
	UPDATE_SCREENSHOTS=1 $(GO) test -count=1 -run 'TestLandingPageInABrowser|TestViewsInABrowserHost|TestTrendImage' ./internal/server/ ./internal/views/ ./internal/tools/

clean: ## Remove bin/
	rm -rf $(BIN)

.PHONY: bench bench-smoke fuzz fuzz-smoke

bench: node-deps ## Run the standard benchmark set (about 6 min) and write docs/benchmarks.md
	$(GO) run ./cmd/jana-mcp-bench run --out docs/benchmarks.md

bench-smoke: node-deps ## Every benchmark mode for a moment (~30 s): proves the harness works; report to bin/
	$(GO) run ./cmd/jana-mcp-bench run --smoke --out $(BIN)/benchmarks-smoke.md

# Fuzz targets (listed in scripts/fuzz.sh). `go test` runs their seeds and testdata/fuzz/ as unit
# tests; these run the fuzzer, one target at a time, and a failing input lands in the package's
# testdata/fuzz/<Target>/ (commit it with the fix).
FUZZTIME ?= 10m
FUZZFLAGS ?=

fuzz: ## Run every fuzz target for FUZZTIME (default 10m) each, one after another (FUZZFLAGS=-parallel=1: one core)
	GO=$(GO) scripts/fuzz.sh $(FUZZTIME) $(FUZZFLAGS)

fuzz-smoke: ## Every fuzz target for 10,000 executions (CI: about 1 min, under 3 with a cold build cache)
	GO=$(GO) scripts/fuzz.sh 10000x $(FUZZFLAGS)
