# invsync image: one image, two long-running commands (`invsync worker`, `invsync ingress`; see docker-compose.yml).
#
# Debian (glibc) base, not Alpine: the Temporal SDK's native core bridge ships glibc builds only (musl is unsupported).
FROM node:20-bookworm-slim

# INVSYNC_CONFIG: where docker-compose.yml mounts the config, so any `npx invsync <command>` run in a container
# (`docker compose exec invsync-worker npx invsync status <sku>`) finds it without --config.
ENV NODE_ENV=production \
    INVSYNC_CONFIG=/config/invsync.config.yaml \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

WORKDIR /app

# Dependencies first, so this layer is rebuilt only when the manifests change. `npm install` with the committed
# lockfile (not `npm ci`): the lock records only the platforms the lock was made on, which `npm ci` rejects. Production dependencies only: tsx,
# which bin/invsync.cjs uses to run the TypeScript CLI, is one of them, so there is no build step.
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force

# The sources (domain, workflows, activities, workers, cli, scripts, bin, integrations, ingress, sandbox, ...).
# .dockerignore keeps node_modules, tests, local state and secrets (.env, invsync.config.yaml) out of the image.
COPY . .

# The code stays root-owned, read-only for the service user; reports/ (reconcile reports) and .invsync/ (tokens,
# poll cursors, reconciliation read caches: a volume shared by the worker and the ingress) are writable.
RUN mkdir -p /app/reports /app/.invsync && chown node:node /app/reports /app/.invsync

# Non-root: the `node` user (uid 1000) of the official image. Its home holds the npx and tsx caches.
USER node

# 8080: ingress HTTP; 9464: worker Prometheus metrics.
EXPOSE 8080 9464

CMD ["npx", "invsync", "worker"]
