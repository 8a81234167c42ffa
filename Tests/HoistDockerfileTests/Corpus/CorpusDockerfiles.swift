// Real-world-style Dockerfiles written for these tests (not copied from any project).
// Each one exercises a group of instructions and parser quirks; CorpusTests checks them.

enum Corpus {
    /// Node.js app, three stages, BuildKit cache mount, global ARG in FROM.
    static let nodeMultiStage = #"""
# syntax=docker/dockerfile:1.7
ARG NODE_VERSION=20.11
ARG ALPINE=3.19

# ---- dependencies ----
FROM node:${NODE_VERSION}-alpine${ALPINE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev

FROM node:${NODE_VERSION}-alpine${ALPINE} AS Build
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY . .
ARG NODE_ENV=production
ENV NODE_ENV=$NODE_ENV
RUN npm run build

FROM nginx:1.25-alpine
LABEL org.opencontainers.image.title="web frontend" \
      org.opencontainers.image.source=https://example.com/web.git
COPY --from=build --chown=nginx:nginx --chmod=0644 /app/dist /usr/share/nginx/html
EXPOSE 80
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 \
  CMD wget -qO- http://localhost/ || exit 1
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
"""#

    /// Python service: ENV continuation, comments inside a continued RUN, exec forms.
    static let pythonService = #"""
FROM python:3.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=off

RUN set -eux; \
    apt-get update; \
    # build deps for psycopg
    apt-get install -y --no-install-recommends \
        build-essential \
        libpq-dev \
    ; \
    rm -rf /var/lib/apt/lists/*

WORKDIR /srv/app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
RUN useradd --create-home --uid 10001 app
USER app:app
VOLUME ["/srv/app/media"]
EXPOSE 8000
ENTRYPOINT ["gunicorn", "--bind", "0.0.0.0:8000"]
CMD ["project.wsgi:application"]
"""#

    /// Go cross-compile: --platform with automatic args, several ARG names, scratch.
    static let goStatic = #"""
FROM --platform=$BUILDPLATFORM golang:1.22-bookworm AS builder
ARG TARGETOS TARGETARCH
ARG VERSION=dev
WORKDIR /src
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    --mount=type=bind,source=.,target=/src,rw \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -ldflags "-s -w -X main.version=${VERSION}" -o /out/app ./cmd/app

FROM scratch
COPY --from=builder /out/app /app
COPY --from=builder /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
USER 65534:65534
ENTRYPOINT ["/app"]
"""#

    /// Windows-style Dockerfile: backtick escape directive, backslash paths.
    static let windowsEscape = #"""
# escape=`

FROM mcr.microsoft.com/windows/servercore:ltsc2022
SHELL ["powershell", "-Command", "$ErrorActionPreference = 'Stop';"]
RUN New-Item -ItemType Directory C:\app ; `
    Write-Host 'created'
WORKDIR C:\app
COPY . C:\app\
ENV APP_HOME=C:\app `
    LOG_DIR=C:\logs
CMD ["C:\\app\\server.exe"]
"""#

    /// Old-style Dockerfile: lowercase keywords, MAINTAINER, legacy ENV, ONBUILD.
    static let legacyBase = #"""
from debian:bookworm
maintainer Jane Doe <jane@example.com>
env APP_HOME /opt/my app
Env PATH $APP_HOME/bin:$PATH
label version="1.0" description="A base image" vendor=ACME
volume /data /logs
expose 8080/tcp 443 53/udp
onbuild ADD . /app/src
onbuild RUN cd /app/src && make
stopsignal SIGTERM
user nobody
workdir $APP_HOME
"""#
}
