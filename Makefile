# Hoist: build, demo, test, bench.  `make demo` and `make test` are the two entry points.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

SWIFT      ?= swift
PYTHON     ?= python3
# SwiftPM scratch directory; CI and `make` use .build (override to build elsewhere).
SCRATCH    ?= .build
BIN        := $(SCRATCH)/release
HOIST      := $(BIN)/hoist
HOISTD     := $(BIN)/hoistd
SOCK       ?= /run/hoist.sock
PIDFILE    ?= /run/hoistd.pid
DAEMON_LOG ?= /var/log/hoistd.log
# Empty: hoistd's default (/var/lib/hoist).
DATA_ROOT  ?=
# Extra pytest arguments, e.g. `make integration PYTEST_ARGS='-k docker_py -x'`.
PYTEST_ARGS ?=

# libarchive is linked statically (Package.swift): its compressors' static libraries too.
APT_PACKAGES := crun runc libarchive-dev nettle-dev libacl1-dev liblzma-dev libzstd-dev liblz4-dev libbz2-dev zlib1g-dev \
                libsqlite3-dev busybox-static \
                containernetworking-plugins tini hyperfine tmux skopeo docker-registry podman iproute2 curl apache2-utils docker-compose
PY_PACKAGES  := docker pytest

.PHONY: all deps build unit-test integration test busybox-image daemon demo bench clean

all: build

# Installs only what is missing: a machine that has everything pays a few dpkg look-ups.
deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do \
	  dpkg -s "$$p" >/dev/null 2>&1 || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$missing"; \
	  apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing </dev/null; \
	fi
	@missing=""; \
	for p in $(PY_PACKAGES); do \
	  $(PYTHON) -c "import $$p" >/dev/null 2>&1 || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "deps: pip installing$$missing"; \
	  if ! $(PYTHON) -m pip --version >/dev/null 2>&1; then \
	    apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pip </dev/null; \
	  fi; \
	  $(PYTHON) -m pip install -q $$missing </dev/null || \
	    $(PYTHON) -m pip install -q --break-system-packages $$missing </dev/null; \
	fi

# One release build serves the demo, the unit tests and the integration tests.
# The unit tests use `@testable import`, which in release needs every module compiled with
# -enable-testing. Measured: `swift build -c release` then `swift test -c release` compiles
# the whole Swift graph twice (swift test switches testability on, and the next plain build
# switches it off again); building once with the flag and the tests, then
# `swift test --skip-build`, compiles everything once.
SWIFT_BUILD_FLAGS := -c release --build-tests -Xswiftc -enable-testing --scratch-path $(SCRATCH)

build:
	$(SWIFT) build $(SWIFT_BUILD_FLAGS)

unit-test: build
	$(SWIFT) test -c release --skip-build --scratch-path $(SCRATCH)

integration: build
	HOIST_BIN_DIR=$(abspath $(BIN)) $(PYTHON) -m pytest -q tests/integration $(PYTEST_ARGS)

# Both suites run even when the first fails, so one CI run reports every failure.
test: deps build
	@unit=0; integ=0; \
	$(SWIFT) test -c release --skip-build --scratch-path $(SCRATCH) || unit=$$?; \
	HOIST_BIN_DIR=$(abspath $(BIN)) $(PYTHON) -m pytest -q tests/integration $(PYTEST_ARGS) || integ=$$?; \
	if [ $$unit -ne 0 ] || [ $$integ -ne 0 ]; then \
	  echo "make test: unit tests exit $$unit, integration tests exit $$integ" >&2; exit 1; \
	fi

.PHONY: busybox-tar-check
busybox-tar-check:
	@test -f scripts/make-busybox-rootfs.sh || { echo "scripts/make-busybox-rootfs.sh is missing" >&2; exit 1; }

# busybox:latest from the busybox-static package, when the daemon does not have it yet.
busybox-image: busybox-tar-check
	@if ! $(HOIST) -H unix://$(SOCK) image inspect busybox >/dev/null 2>&1; then \
	  tmp=$$(mktemp -d /tmp/hoist-busybox.XXXXXX); \
	  trap 'rm -rf "$$tmp"' EXIT; \
	  bash scripts/make-busybox-rootfs.sh "$$tmp/busybox.tar"; \
	  $(HOIST) -H unix://$(SOCK) import "$$tmp/busybox.tar" busybox:latest; \
	fi

# Starts hoistd on the default socket unless something already answers there.
daemon:
	@if curl -sf --max-time 2 --unix-socket $(SOCK) http://localhost/_ping >/dev/null 2>&1; then \
	  echo "hoistd already answers on $(SOCK)"; \
	else \
	  echo "starting hoistd (log: $(DAEMON_LOG))"; \
	  nohup $(HOISTD) $(if $(DATA_ROOT),--data-root $(DATA_ROOT)) -H unix://$(SOCK) --pidfile $(PIDFILE) \
	    >>$(DAEMON_LOG) 2>&1 </dev/null & \
	  for i in $$(seq 1 100); do \
	    curl -sf --max-time 1 --unix-socket $(SOCK) http://localhost/_ping >/dev/null 2>&1 && break; \
	    sleep 0.1; \
	  done; \
	  curl -sf --max-time 2 --unix-socket $(SOCK) http://localhost/_ping >/dev/null || \
	    { echo "hoistd did not answer on $(SOCK); see $(DAEMON_LOG)" >&2; tail -n 20 $(DAEMON_LOG) >&2; exit 1; }; \
	fi

demo: deps build
	@$(MAKE) --no-print-directory daemon
	@$(MAKE) --no-print-directory busybox-image
	$(HOIST) -H unix://$(SOCK) run --rm busybox echo 'Hello from Hoist'

# Every bench/*.sh, each on its own temporary daemon.
bench: deps build busybox-tar-check
	@for b in bench/*.sh; do \
	  echo "== $$b"; HOIST_BIN_DIR=$(abspath $(BIN)) bash "$$b"; \
	done

clean:
	rm -rf $(SCRATCH)
