# storage-agent: build, test, demo, bench. Every target installs what it needs (Debian/Ubuntu).
SWIFT      ?= swift
BUILD_DIR  := .build
BIN        := $(BUILD_DIR)/debug/storage-agent
RELEASE    := $(BUILD_DIR)/release/storage-agent
DEMO_DIR   := $(CURDIR)/.build-demo
APT_PKGS   := libsqlite3-dev libsystemd-dev sqlite3 acl python3
N          ?= 200000

.PHONY: all deps build release test lint demo bench clean

all: build

# Installs the system libraries the build links against, only when one is missing.
deps:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" -ne 0 ]; then echo "need root to install:$$missing (sudo make deps)"; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
	@python3 -m pytest --version >/dev/null 2>&1 || python3 -m pip install -q pytest

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

lint:
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift

# Unit and integration tests (Swift Testing), then system tests on real processes: a real
# journald, the daemon, systemd as PID 1 in a PID namespace (Tests/system, pytest).
test: deps lint
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --parallel --num-workers 2
	STORAGE_AGENT_BIN=$(CURDIR)/$(BIN) python3 -m pytest -q Tests/system

demo: build
	rm -rf $(DEMO_DIR)
	python3 tools/gen_storage.py $(DEMO_DIR)/storage
	$(BIN) --db $(DEMO_DIR)/inventory.db --storage-root $(DEMO_DIR)/storage scan
	$(BIN) --db $(DEMO_DIR)/inventory.db --storage-root $(DEMO_DIR)/storage pvc list
	$(BIN) --db $(DEMO_DIR)/inventory.db --storage-root $(DEMO_DIR)/storage query --track scalp --date 20260203

bench: release
	python3 tools/bench.py --bin $(RELEASE) --files $(N)

clean:
	rm -rf $(BUILD_DIR) $(DEMO_DIR) .build-bench .build-systest
