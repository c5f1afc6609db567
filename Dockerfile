# sprint-runner worker image. Debian (glibc): the Temporal core bridge has no musl build.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm install --no-save @openai/codex@0.153.4
COPY bin ./bin
COPY src ./src
COPY tsconfig.json ./
ENV CODEX_BIN=/app/node_modules/.bin/codex
ENTRYPOINT ["node", "/app/bin/sprint-runner.js"]
CMD ["worker"]
