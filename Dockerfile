# One image for the four services and the topics step; SERVICE picks which service runs.
# The Node version is the one in .nvmrc and package.json's engines (24 LTS).
FROM node:24.21.0-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci's postinstall patches kafkajs (kafkajs #1751); the patch travels with node_modules below.
COPY scripts/patch-kafkajs.js ./scripts/
RUN npm ci --no-audit --no-fund
COPY tsconfig*.json nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
# The desk and the demo page: built by `npm run build` into dist/web/, served by the gateway.
COPY web ./web
# The build runs on the devDependency `node` (same 24.21.0); prune drops it with the other dev tools.
RUN npm run build && npm prune --omit=dev

FROM node:24.21.0-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
USER node
# The image's own node (no npm scripts at run time). The topics step: node dist/libs/shared/src/kafka/topics.main.js
CMD ["sh", "-c", "exec node --enable-source-maps dist/apps/${SERVICE}/src/main.js"]
