# The development OAuth issuer (tools/containers/dev-issuer.mjs): docker-compose.yml's `dev` profile.
# Build from the repository root: docker build -f tools/containers/dev-issuer.Dockerfile -t kaa/dev-issuer .
# Its build stage is the apps' (apps/*/Dockerfile), line for line, so a builder runs it once for all
# four images; tools/test/containers.int-spec.ts checks that they stay identical.
ARG BASE_IMAGE=node
ARG BASE_TAG=22-bookworm-slim

# ---- build: install the workspace, build every app and the libs, drop dev dependencies
FROM ${BASE_IMAGE}:${BASE_TAG} AS build
WORKDIR /workspace
COPY . .
# npm install, not npm ci: the lockfile lacks some foreign-platform optional packages (see tools/dev)
RUN npm install --no-audit --no-fund --loglevel=error \
 && npx tsc -b apps/tekton/tsconfig.build.json apps/ecr/tsconfig.build.json apps/watcher/tsconfig.build.json libs/testing/tsconfig.build.json \
 && npm prune --omit=dev --no-audit --no-fund --loglevel=error \
 && mkdir -p /out \
 && cp -r package.json node_modules /out/ \
 && for project in libs/* apps/*; do \
      if [ -d "$project/dist" ] && [ "$project" != libs/testing ]; then \
        mkdir -p "/out/$project" && cp -r "$project/package.json" "$project/dist" "/out/$project/"; \
      fi; \
    done

# ---- runtime: the issuer, its library (libs/testing's dev-issuer) and the scope catalogue; jose
FROM ${BASE_IMAGE}:${BASE_TAG} AS runtime
ENV NODE_ENV=production PORT=8090
WORKDIR /app
COPY --from=build /workspace/node_modules/jose ./node_modules/jose
COPY --from=build /workspace/libs/testing/package.json ./libs/testing/
COPY --from=build /workspace/libs/testing/dist ./libs/testing/dist
COPY --from=build /workspace/libs/auth/package.json ./libs/auth/
COPY --from=build /workspace/libs/auth/dist/scopes.js ./libs/auth/dist/
COPY --from=build /workspace/tools/containers/dev-issuer.mjs ./tools/containers/
USER node
EXPOSE 8090
HEALTHCHECK --interval=5s --timeout=3s --retries=6 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8090) + '/tenants').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["node", "tools/containers/dev-issuer.mjs"]
