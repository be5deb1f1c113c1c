# Baton broker image: `docker build -t baton .`
# Configured by BATON_* environment variables, one per `baton server` flag
# (--redis → BATON_REDIS, --admin-token → BATON_ADMIN_TOKEN, …).

# ---- build: every dependency, TypeScript compiled to dist/ ----
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY . .
# `npm ci` runs `prepare`, which builds dist/.
RUN npm ci && npm prune --omit=dev

# ---- runtime: dist/ and production dependencies only, as a user without rights ----
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY deploy/probe.mjs ./deploy/probe.mjs
# The data dir keeps the fencing-token mark (embedded) or the last dataset
# generation seen (with Redis): mount a volume there.
RUN mkdir /data && chown node:node /data
USER node
WORKDIR /data
ENV BATON_HOST=0.0.0.0 \
    BATON_PORT=7070 \
    BATON_ADMIN_PORT=7071 \
    BATON_DATA_DIR=/data
# Listening beyond loopback needs credentials: BATON_AUTH_FILE for the lock
# port (or BATON_INSECURE_NO_AUTH=true), BATON_ADMIN_TOKEN with
# BATON_ADMIN_HOST=0.0.0.0 for the admin port. The broker refuses to start without.
EXPOSE 7070 7071
VOLUME /data
# Liveness only: a standby waiting for Redis is alive, and must not be restarted for it.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s \
  CMD ["node", "/app/deploy/probe.mjs", "/livez"]
# SIGTERM (docker stop) hands the lead to a standby before the broker exits.
ENTRYPOINT ["node", "/app/dist/server/main.js", "server"]
