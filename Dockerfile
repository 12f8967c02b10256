# syntax=docker/dockerfile:1.7
# The platform's images, built from the repository root (the npm workspace):
#   docker build --build-arg SERVICE=user -t ghcr.io/blog-platform/user-service .
#   docker build --build-arg SERVICE=blog -t ghcr.io/blog-platform/blog-service .
#   docker build --build-arg SERVICE=web -t ghcr.io/blog-platform/web-service .
#   docker build --target blogctl -t ghcr.io/blog-platform/blogctl .
# The bases are build arguments so that a machine without a registry can build on stand-ins;
# their defaults are the public images pinned by digest (refresh them deliberately, together,
# see README, "Operating"). Both are Debian 12 with glibc, so anything native built in a build
# stage runs in the runtime one.
ARG BUILD_IMAGE=node:24-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12@sha256:61f4f4341db81820c24ce771b83d202eb6452076f58628cd536cc7d94a10978b

FROM ${BUILD_IMAGE} AS workspace
WORKDIR /src
COPY package.json package-lock.json tsconfig.base.json ./
COPY packages/platform/package.json packages/platform/
COPY packages/devstack/package.json packages/devstack/
COPY packages/local/package.json packages/local/
COPY packages/blogctl/package.json packages/blogctl/
COPY packages/test-support/package.json packages/test-support/
COPY services/user/package.json services/user/
COPY services/blog/package.json services/blog/
COPY services/web/package.json services/web/

FROM workspace AS service-build
ARG SERVICE
RUN test "${SERVICE}" = user || test "${SERVICE}" = blog || test "${SERVICE}" = web || { echo "--build-arg SERVICE=user, blog or web is required" >&2; exit 1; }
RUN npm ci --ignore-scripts --no-audit --no-fund -w "@blog/${SERVICE}-service" -w @blog/platform
COPY scripts/bundle.mjs scripts/
COPY packages/platform packages/platform
COPY services/${SERVICE} services/${SERVICE}
# The service and its production dependencies as a few ES modules (scripts/bundle.mjs): the
# image carries no node_modules, so no build tooling, no other database's query compiler and no
# package that only a test or the CLI uses can reach it.
RUN npm run generate --if-present -w "@blog/${SERVICE}-service" \
 && npm run build -w @blog/platform \
 && npm run build -w "@blog/${SERVICE}-service" \
 && npm run bundle -w "@blog/${SERVICE}-service"

FROM workspace AS blogctl-build
RUN npm ci --ignore-scripts --no-audit --no-fund -w @blog/blogctl
COPY packages/blogctl packages/blogctl
RUN npm run build -w @blog/blogctl

# blogctl's production dependencies, from an install of their own.
FROM workspace AS blogctl-deps
RUN npm ci --omit=dev --omit=optional --omit=peer --ignore-scripts --no-audit --no-fund -w @blog/blogctl \
 && find node_modules -name '*.map' -delete \
 && find node_modules -name '*.d.ts' -delete

# blogctl, for the chart's scheduled audit: no shell, no package manager, a numeric non-root user.
FROM ${RUNTIME_IMAGE} AS blogctl
WORKDIR /app
COPY --from=blogctl-deps /src/node_modules node_modules
COPY --from=blogctl-build /src/packages/blogctl/package.json packages/blogctl/package.json
COPY --from=blogctl-build /src/packages/blogctl/bin packages/blogctl/bin
COPY --from=blogctl-build /src/packages/blogctl/dist packages/blogctl/dist
USER 65532:65532
ENTRYPOINT ["/nodejs/bin/node", "packages/blogctl/bin/blogctl.mjs"]
CMD ["audit", "--help"]

# A service (the default target): no shell, no package manager, only Node.js and the bundle
# (dist/server.mjs, the commands beside it, the migrations or the site's templates), as a
# numeric non-root user.
FROM ${RUNTIME_IMAGE} AS service
ARG SERVICE
WORKDIR /app
ENV NODE_ENV=production
COPY --from=service-build /src/services/${SERVICE}/bundle ./
USER 65532:65532
# Public API (the site, for the web service), internal mutual-TLS API (not the web service's), Prometheus metrics.
EXPOSE 8443 9443 9464
# node is PID 1 and handles SIGTERM itself: readiness off, in-flight requests finish, then exit.
ENTRYPOINT ["/nodejs/bin/node"]
CMD ["dist/server.mjs"]
