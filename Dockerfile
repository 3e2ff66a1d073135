# xks-proxy container image. Build: docker build -t xks-proxy .  Run: see docker-compose.yml and the README.
# Base: the newest Node.js LTS line (docs/development.md#supported-nodejs-versions). Another supported line:
#   docker build --build-arg NODE_VERSION=24 -t xks-proxy .      (20, 22, 24 or 26; compose: NODE_VERSION=24 docker compose build)
ARG NODE_VERSION=26
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
# Native addons (better-sqlite3: KMS emulator state) compile from source, for this image's Node.js ABI, when no
# prebuilt binary is reachable.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# bin/ before npm ci: its "prepare" script links bin/xks.js (the `npx xks` of a checkout).
COPY bin ./bin
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:${NODE_VERSION}-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Key files and the dev default live under /app/keys (mount a volume there); the process never runs as root.
RUN mkdir -p /app/keys && chown node:node /app/keys
USER node
EXPOSE 7700
# Liveness of /ping on the port, scheme and TLS of the configuration ($XKS_CONFIG, else the dev default); not a deep
# check (`xks probe` signs requests and exercises keys). If you override the port with `serve --port P`, override
# this too: HEALTHCHECK CMD ["node", "dist/main.js", "healthcheck", "--port", "P"].
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s CMD ["node", "dist/main.js", "healthcheck"]
ENTRYPOINT ["node", "dist/main.js"]
CMD ["serve", "--host", "0.0.0.0"]
