# Aurea's image: `aurea serve` by default; `aurea worker …` and `aurea migrate` with other arguments.
#   docker build -t aurea:0.1.0 .
#   docker run --rm -p 127.0.0.1:5000:5000 aurea:0.1.0            # embedded store in /var/lib/aurea
ARG NODE_IMAGE=node:22.18.0-bookworm-slim

# Build: the compiled server (dist/) and the web dashboard (dist/web), with every dev dependency.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY web ./web
RUN npm run build

# Runtime: production dependencies, the build output and the SQL migrations; no compiler, no sources.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=5000 \
    AUREA_DATA_DIR=/var/lib/aurea
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force \
  && mkdir -p /var/lib/aurea && chown node:node /var/lib/aurea
COPY --from=build /app/dist ./dist
COPY drizzle ./drizzle
# The image's own user (uid 1000), not root; the app's files stay root-owned and read-only to it.
USER node
VOLUME ["/var/lib/aurea"]
EXPOSE 5000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 5000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["serve"]
