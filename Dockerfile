# syntax=docker/dockerfile:1
# TerraFusion API image: build with the full toolchain, ship only dist/ and production node_modules.
#
# Base: Node 24 LTS slim. The service supports Node >= 20.19 (package.json engines) and DESIGN.md names
# Node 24 LTS as the image's runtime; Node 20 leaves active LTS support in 2026, so the image moves on
# while development machines may stay on 20. Override with --build-arg NODE_IMAGE=node:20-bookworm-slim.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV CI=true
# Dependencies first, so source edits reuse this layer.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build \
  && npm prune --omit=dev --no-audit --no-fund \
  && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="terrafusion-api" \
      org.opencontainers.image.description="County property-assessment analytics API"
ENV NODE_ENV=production \
    PORT=3000 \
    DATA_DIR=/tmp/terrafusion
WORKDIR /app
# Owned by root and read-only to the service user: the app never writes next to its code
# (DATA_DIR is under /tmp, which Kubernetes mounts as an emptyDir with readOnlyRootFilesystem).
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The base image's `node` user, by number so Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 3000 9464
# No curl in slim images: Node's own fetch asks the liveness route.
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: node is PID 1 and receives SIGTERM itself, which starts the drain in src/lifecycle.
CMD ["node", "dist/src/main.js"]
