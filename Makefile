# storage-agent: build, test, demo, bench. Every target installs what it needs (Debian/Ubuntu).
SWIFT      ?= swift
BUILD_DIR  := .build
BIN        := $(BUILD_DIR)/debug/storage-agent
RELEASE    := $(BUILD_DIR)/release/storage-agent
DEMO_DIR   := $(CURDIR)/.build-demo
APT_PKGS   := libsqlite3-dev libsystemd-dev libyaml-dev sqlite3 acl python3 libcap2-bin
N          ?= 200000

# Packaging: the version comes from debian/changelog.in's template; override with VERSION=.
VERSION    ?= $(shell sed -n 's/.*version: "\(.*\)",/\1/p' Sources/StorageAgent/StorageAgent.swift)
ARCH        = $(shell dpkg --print-architecture)
STATIC_DIR := .build-static
DEB_ROOT   := $(CURDIR)/.build-deb
DEB_STAGE   = $(DEB_ROOT)/storage-agent-$(VERSION)
DEB         = dist/storage-agent_$(VERSION)_$(ARCH).deb

.PHONY: all deps deps-deb build release test test-deb test-fleet lint demo bench bench-1m deb clean

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
	@python3 -c 'import yaml' 2>/dev/null || python3 -m pip install -q pyyaml
	@# A real container runtime for the mounts, ephemeral and installed-workload tests; the tests
	@# start containerd by hand with their own config, so its service is not enabled (a test
	@# systemd booted on this machine's file system must not start it).
	@if ! command -v containerd >/dev/null || ! command -v runc >/dev/null || [ ! -x /bin/busybox ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    containerd runc busybox-static >/dev/null; \
	  systemctl disable containerd >/dev/null 2>&1 || \
	    rm -f /etc/systemd/system/multi-user.target.wants/containerd.service; \
	fi
	@# promtool and node_exporter for the metrics tests; their services are disabled so a test
	@# systemd booted on this machine's file system does not start them.
	@if ! command -v promtool >/dev/null || [ ! -x /usr/bin/prometheus-node-exporter ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    prometheus prometheus-node-exporter >/dev/null; \
	  systemctl disable prometheus prometheus-node-exporter >/dev/null 2>&1 || \
	    rm -f /etc/systemd/system/multi-user.target.wants/prometheus.service \
	          /etc/systemd/system/multi-user.target.wants/prometheus-node-exporter.service; \
	fi
	@# Alertmanager and journal-remote/upload for the many-node test (test-fleet), disabled likewise.
	@if [ ! -x /usr/bin/prometheus-alertmanager ] || [ ! -x /lib/systemd/systemd-journal-remote ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    prometheus-alertmanager systemd-journal-remote >/dev/null; \
	  systemctl disable prometheus-alertmanager systemd-journal-remote.socket systemd-journal-upload >/dev/null 2>&1 || \
	    rm -f /etc/systemd/system/multi-user.target.wants/prometheus-alertmanager.service \
	          /etc/systemd/system/sockets.target.wants/systemd-journal-remote.socket \
	          /etc/systemd/system/multi-user.target.wants/systemd-journal-upload.service; \
	fi

deps-deb:
	@missing=""; for p in debhelper lintian dpkg-dev fakeroot; do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

lint:
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift
	tools/check-layers

# Unit and integration tests (Swift Testing), then system tests on real processes: a real
# journald, the daemon, systemd as PID 1 in a PID namespace (Tests/system, pytest).
test: deps lint
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --parallel --num-workers 2
	STORAGE_AGENT_BIN=$(CURDIR)/$(BIN) python3 -m pytest -q Tests/system --ignore=Tests/system/test_deb.py \
	  --ignore=Tests/system/test_fleet.py $(addprefix --ignore=,$(wildcard Tests/system/test_installed_*.py))
	$(MAKE) test-fleet
	$(MAKE) test-deb

# Two nodes on this machine (network, mount and UTS namespaces, 10.253.0.0/16), each with its own
# journald, daemon, node_exporter and journal-upload; Prometheus with the shipped rules,
# Alertmanager and journal-remote on the collector; the configs of packaging/fleet (README "Many nodes").
test-fleet: deps
	$(SWIFT) build
	STORAGE_AGENT_BIN=$(CURDIR)/$(BIN) python3 -m pytest -q Tests/system/test_fleet.py

demo: build
	rm -rf $(DEMO_DIR)
	python3 tools/gen_storage.py $(DEMO_DIR)/storage
	$(BIN) --db $(DEMO_DIR)/inventory.db --storage-root $(DEMO_DIR)/storage scan
	$(BIN) --db $(DEMO_DIR)/inventory.db --storage-root $(DEMO_DIR)/storage pvc list
	$(BIN) --db $(DEMO_DIR)/inventory.db --storage-root $(DEMO_DIR)/storage query --track scalp --date 20260203

# BASE=path/to/another/storage-agent (e.g. main's release build) runs it too, side by side in the
# same run (BENCHMARKS.md, "Issue 15: latency and idle" and "Issue 15: queries and scans").
BASE       ?=
BASE_ARG    = $(if $(BASE),--base-bin $(BASE))

bench: release
	python3 tools/bench.py --bin $(RELEASE) --files $(N) $(BASE_ARG)

# Issue 15 at 1,000,000 files: full scan, no-change rescan, peak RSS and index size against find,
# du and plocate's updatedb (names only); then the idle daemon with the default configuration
# over 11 minutes (one reconcile at the default rescan_interval): CPU per hour. ~2.6 GB of data.
bench-1m: release
	@command -v updatedb >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq plocate >/dev/null; \
	  rm -f /etc/systemd/system/timers.target.wants/plocate-updatedb.timer; }
	python3 tools/bench.py --bin $(RELEASE) --files 1000000 --million
	python3 tools/bench.py --bin $(RELEASE) --files 1000000 --idle-1m $(BASE_ARG)

# dist/storage-agent_<version>_<arch>.deb (+ -dbgsym) for this machine's architecture: a
# release binary with the Swift runtime linked in (no Swift on the node), its man page (tidied
# by packaging/man/tidy.py) and bash and zsh completion generated by swift-argument-parser,
# the unit, the catalog, the conffile.
deb: deps deps-deb
	rm -f $(STATIC_DIR)/release/storage-agent
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path $(STATIC_DIR) -Xswiftc -no-toolchain-stdlib-rpath \
	  -Xlinker -z -Xlinker relro -Xlinker -z -Xlinker now
	rm -rf $(DEB_STAGE) && mkdir -p $(DEB_STAGE)/payload
	cp -r packaging/debian $(DEB_STAGE)/debian && rm $(DEB_STAGE)/debian/changelog.in
	sed -e 's/@VERSION@/$(VERSION)/' -e "s/@DATE@/$$(date -R)/" packaging/debian/changelog.in > $(DEB_STAGE)/debian/changelog
	cp packaging/systemd/storage-agent.service $(DEB_STAGE)/debian/storage-agent.service
	cp $(STATIC_DIR)/release/storage-agent packaging/systemd/storage-agent.catalog packaging/config.yaml \
	  README.md packaging/prometheus/storage-agent-rules.yml $(DEB_STAGE)/payload/
	mkdir -p $(DEB_STAGE)/payload/completions
	$(STATIC_DIR)/release/storage-agent --generate-completion-script bash | sed '1{/^#!/d}' \
	  > $(DEB_STAGE)/payload/completions/storage-agent
	$(STATIC_DIR)/release/storage-agent --generate-completion-script zsh > $(DEB_STAGE)/payload/completions/_storage-agent
	@# The plugin builds the package its own way (not static): keep it out of $(STATIC_DIR).
	$(SWIFT) package --scratch-path .build-manual --allow-writing-to-directory $(DEB_STAGE)/payload \
	  generate-manual --section 8 --authors "storage-agent developers" --output-directory $(DEB_STAGE)/payload
	$(STATIC_DIR)/release/storage-agent --experimental-dump-help > $(DEB_ROOT)/help.json
	python3 packaging/man/tidy.py $(DEB_STAGE)/payload/storage-agent.8 $(DEB_ROOT)/help.json
	cd $(DEB_STAGE) && dpkg-buildpackage -b -us -uc --no-sign >$(DEB_ROOT)/build.log 2>&1 || (tail -30 $(DEB_ROOT)/build.log; exit 1)
	mkdir -p dist && mv $(DEB_ROOT)/storage-agent_$(VERSION)_$(ARCH).deb $(DEB_ROOT)/storage-agent-dbgsym_$(VERSION)_$(ARCH).*deb dist/
	lintian --fail-on error,warning $(DEB)
	@ls -la $(DEB)

# Build two versions of the package and prove install, upgrade, remove and purge on a real
# systemd (PID 1 in a PID namespace).
test-deb: build deps-deb
	$(MAKE) deb VERSION=$(VERSION)
	$(MAKE) deb VERSION=$(VERSION).1
	DEB_OLD=$(CURDIR)/dist/storage-agent_$(VERSION)_$(ARCH).deb DEB_NEW=$(CURDIR)/dist/storage-agent_$(VERSION).1_$(ARCH).deb \
	  STORAGE_AGENT_BIN=$(CURDIR)/$(BIN) python3 -m pytest -q Tests/system/test_deb.py $(wildcard Tests/system/test_installed_*.py)

clean:
	rm -rf $(BUILD_DIR) $(DEMO_DIR) .build-bench .build-systest $(STATIC_DIR) .build-manual $(DEB_ROOT) dist
