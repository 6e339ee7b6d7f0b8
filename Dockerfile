# syntax=docker/dockerfile:1
# t0-ci-bot: one image, two roles.
#   web:    docker run … t0-ci-bot                         (webhooks + admin API on :3000, /healthz, /readyz)
#   worker: docker run … t0-ci-bot node bin/t0-ci-bot.js worker   (needs REDIS_URL)
# The app runs its TypeScript sources through tsx, a runtime dependency, so there is no build step and
# `npm ci --omit=dev` gives everything the image needs.

ARG NODE_VERSION=20.20.2

# ---- dependencies: production packages only, installed from the lockfile ----
FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# ---- runtime ----
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
# tini: PID 1 that forwards SIGTERM and reaps the validation commands' child processes.
# git + ca-certificates: validation commands of repositories often call git; HTTPS to GitHub and TensorZero.
# bubblewrap: the sandbox for those commands (SANDBOX=auto refuses to run them without it in production); it
# needs a seccomp profile that permits unprivileged user namespaces, or set SANDBOX=off on a trusted host.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini git ca-certificates bubblewrap \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data \
    WORKSPACE_ROOT=/tmp/t0-ci-bot \
    LOG_LEVEL=info
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --chown=root:root package.json package-lock.json app.yml tsconfig.json ./
COPY --chown=root:root bin ./bin
COPY --chown=root:root src ./src
COPY --chown=root:root tensorzero/config ./tensorzero/config
# The code is root-owned and read-only for the app; only DATA_DIR and the workspaces are writable.
RUN mkdir -p /data /tmp/t0-ci-bot && chown node:node /data /tmp/t0-ci-bot \
 && ln -s /app/bin/t0-ci-bot.js /usr/local/bin/t0-ci-bot
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["/usr/bin/tini", "--"]
# `src/main.ts` is what `npm start` runs: it exits as soon as SIGTERM's graceful shutdown is done.
CMD ["node", "--import", "tsx", "src/main.ts"]
