# sprint-runner worker image (docker-compose.yml runs it as the orchestrator worker and the Codex
# workers). Debian (glibc): the Temporal core bridge has no musl build. git: Codex runs work in a
# checkout; ca-certificates: HTTPS to the backend, GitHub and the model API.
FROM node:20-bookworm-slim
RUN apt-get update \
  && apt-get install -y --no-install-recommends git ca-certificates bubblewrap \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm install --no-save --no-audit --no-fund @openai/codex@0.153.4
COPY bin ./bin
COPY src ./src
COPY emulators ./emulators
COPY tsconfig.json ./
COPY scripts/cluster/docker-entrypoint.sh /usr/local/bin/sprint-runner-entrypoint
ENV CODEX_BIN=/app/node_modules/.bin/codex \
    CODEX_HOME=/home/node/.codex
RUN mkdir -p /home/node/.codex /workspace && chown -R node:node /home/node /workspace
USER node
ENTRYPOINT ["/usr/local/bin/sprint-runner-entrypoint"]
CMD ["worker"]
