# jana-mcp container image: a static Go binary on distroless, run as non-root.
#   docker build --build-arg VERSION=$(git describe --tags --always) --build-arg COMMIT=$(git rev-parse HEAD) -t jana-mcp .
# Configuration is environment-only (see internal/config/fields.go); credentials are passed at
# run time (JANA_TOKEN or JANA_USERNAME/JANA_PASSWORD), never baked into the image.
# CI cannot run Docker: it builds the same binary with the same script (internal/deploy tests).

# The builder runs on the build host's platform and cross-compiles (CGO off), so multi-arch
# builds (amd64 for CI, arm64 for Graviton/Apple Silicon) need no emulation.
FROM --platform=$BUILDPLATFORM golang:1.26-bookworm AS build
WORKDIR /src

# Modules first: this layer is rebuilt only when go.mod or go.sum change.
COPY go.mod go.sum ./
RUN go mod download

COPY . .
# VERSION and COMMIT are stamped into the binary (`jana-mcp version`, /health); .git is not in
# the context.
ARG VERSION=dev
ARG COMMIT=
# Set by BuildKit to the platform being built. No defaults here: a default would shadow them;
# when empty (legacy builder), the script falls back to linux/amd64.
ARG TARGETOS
ARG TARGETARCH
# The same script CI runs, so CI proves the binary this image ships.
RUN VERSION="$VERSION" COMMIT="$COMMIT" GOOS="$TARGETOS" GOARCH="$TARGETARCH" bash scripts/build-static.sh /out/jana-mcp

# distroless/static rather than scratch: it already carries CA certificates (for an https
# JANA_BACKEND_URL), tzdata and a passwd entry for the nonroot user (65532), and is rebuilt by
# its maintainers for security fixes. No shell: the health check is the binary itself.
FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
LABEL org.opencontainers.image.title="jana-mcp" \
      org.opencontainers.image.description="MCP server for the Jana Environmental Data Platform" \
      org.opencontainers.image.source="https://github.com/janaplatform/jana-mcp" \
      org.opencontainers.image.version="$VERSION"

COPY --from=build /out/jana-mcp /jana-mcp

# Numeric, so orchestrators enforcing runAsNonRoot can verify it without reading /etc/passwd.
USER 65532:65532

# Non-secret defaults only. They equal the built-in defaults and are stated for `docker
# inspect`; the health check below follows MCP_SERVER_PORT if it is overridden.
ENV MCP_SERVER_HOST=0.0.0.0 \
    MCP_SERVER_PORT=8080 \
    LOG_FORMAT=json

EXPOSE 8080

# Liveness only (/health never calls Jana), so a Jana outage does not get the container
# restarted. Readiness (/ready) is for load balancers. Exec form: there is no shell.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/jana-mcp", "healthcheck"]

# SIGTERM starts the graceful drain (/ready 503, MCP_SHUTDOWN_TIMEOUT for running calls).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/jana-mcp"]
CMD ["serve"]
