# winops.golang developer entry points.
#
#   make site    run playbooks/site.yml against $(INVENTORY) (simulated hosts by default)
#   make test    lint, ansible-test sanity and the pytest suite
#
# Everything else here is an internal step of those two. The first run creates
# .venv with the pinned requirements and links the repository into
# .collections/ansible_collections/winops/golang; later runs reuse both until
# requirements/*.txt change. The repository path must not contain spaces.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
.NOTPARALLEL:
MAKEFLAGS += --no-builtin-rules --no-print-directory

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INVENTORY ?= inventories/simulated/hosts.yml
PLAYBOOK ?= playbooks/site.yml
# Extra arguments, e.g. make site ANSIBLE_ARGS='--check --diff -l build_hosts'
ANSIBLE_ARGS ?=
# pytest workers: every test keeps its simulated hosts in its own tmp_path,
# so the suite is safe to spread over processes. PYTEST_WORKERS=0 runs serially.
PYTEST_WORKERS ?= auto
PYTEST_ARGS ?=
# ansible-test sanity: SANITY=0 leaves it out; SANITY_ARGS adds options
# (e.g. SANITY_ARGS='--test validate-modules').
SANITY ?= 1
SANITY_ARGS ?=

COLLECTIONS_DIR := .collections
COLLECTION_LINK := $(COLLECTIONS_DIR)/ansible_collections/winops/golang
CONTROLLER_STAMP := $(VENV)/.installed-controller
TEST_STAMP := $(VENV)/.installed-test
# ansible-test sanity works on a copy of the collection under $(CACHE_DIR)
# (see tools/sanity.sh), where its own virtual environments are kept too.
CACHE_DIR := .cache

export PATH := $(CURDIR)/$(BIN):$(PATH)
export VIRTUAL_ENV := $(CURDIR)/$(VENV)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/$(COLLECTIONS_DIR)
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PIP_NO_INPUT := 1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help site bench test venv venv-controller collection browser lint ruff yamllint ansible-lint \
	changelog-lint changelog sanity pytest clean distclean build

help:
	@echo 'Usage:'
	@echo '  make site   run $(PLAYBOOK) against $(INVENTORY)'
	@echo '              (INVENTORY=... ANSIBLE_ARGS="--check --diff" to change)'
	@echo '  make bench  round trips and controller time of site.yml on'
	@echo '              1, 10 and 50 simulated hosts (BENCH_HOSTS=1,10 to change)'
	@echo '  make test   ruff, yamllint, ansible-lint, changelog lint,'
	@echo '              ansible-test sanity and pytest'
	@echo 'Internal: venv collection browser lint sanity pytest build clean distclean'

# ---------------------------------------------------------------- environment

$(VENV)/pyvenv.cfg:
	$(PYTHON) -m venv $(VENV)

$(CONTROLLER_STAMP): requirements/controller.txt | $(VENV)/pyvenv.cfg
	$(BIN)/python -m pip install --progress-bar off -r requirements/controller.txt
	touch $@

$(TEST_STAMP): requirements/controller.txt requirements/test.txt | $(VENV)/pyvenv.cfg
	$(BIN)/python -m pip install --progress-bar off -r requirements/test.txt
	touch $@ $(CONTROLLER_STAMP)

venv-controller: $(CONTROLLER_STAMP)
venv: $(TEST_STAMP)

# .collections/ansible_collections/winops/golang -> the repository root
collection:
	@mkdir -p $(dir $(COLLECTION_LINK))
	@if [ "$$(readlink $(COLLECTION_LINK) 2>/dev/null)" != "../../.." ]; then \
		rm -rf $(COLLECTION_LINK); \
		ln -s ../../.. $(COLLECTION_LINK); \
		echo "linked $(COLLECTION_LINK) -> repository root"; \
	fi

# The browser test (tests/integration/test_compliance_report_html.py) drives
# Chromium through chromedriver, from the Debian packages below: installed
# here when missing and running as root, so a fresh machine has them. `make
# site` does not need them.
BROWSER_PACKAGES := chromium chromium-driver

browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then \
		:; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing $(BROWSER_PACKAGES) for the browser test"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq; \
		apt-get install -y -qq --no-install-recommends $(BROWSER_PACKAGES) >/dev/null; \
	else \
		echo "the browser test needs chromium and chromedriver: install the Debian" \
			"packages $(BROWSER_PACKAGES) (apt-get install $(BROWSER_PACKAGES))" >&2; \
		exit 1; \
	fi

# ----------------------------------------------------------------------- site

# tools/site_mirror.py writes what the simulated hosts download (a Go release
# set, a GitHub Actions runner package, a Go service program) into
# $(SITE_MIRROR_DIR), serves it on 127.0.0.1 while ansible-playbook runs and
# passes its winops_golang_site_* variables, which
# inventories/simulated/group_vars/ maps onto the roles' variables. The play
# recap at the end shows what changed on each host (a second run: changed=0).
SITE_MIRROR_DIR ?= .winsim/mirror

site: venv-controller collection
	$(BIN)/python tools/site_mirror.py $(SITE_MIRROR_DIR) -- \
		$(BIN)/ansible-playbook -i $(INVENTORY) $(PLAYBOOK) $(ANSIBLE_ARGS)

# ---------------------------------------------------------------------- bench

# Agent round trips and controller time of playbooks/site.yml on simulated hosts,
# next to the same end state written with ansible.windows modules (module
# calls counted by a stand-in) and Ansible's no-op floor; prints one table.
# See benchmarks/README.md. BENCH_HOSTS picks the host counts, BENCH_ARGS adds
# options, e.g. make bench BENCH_HOSTS=1,10 BENCH_ARGS='--repeat 3 --per-task'.
BENCH_HOSTS ?= 1,10,50
BENCH_ARGS ?=

bench: venv-controller collection
	$(BIN)/python benchmarks/run.py --hosts $(BENCH_HOSTS) $(BENCH_ARGS)

# ----------------------------------------------------------------------- test

# Every step runs even when an earlier one fails, so one run reports all
# problems; the exit status is non-zero when any step failed. pytest runs last.
TEST_STEPS := ruff yamllint ansible-lint changelog-lint sanity pytest

test: venv collection
	@failed=""; \
	for step in $(TEST_STEPS); do \
		echo "== make $$step"; \
		$(MAKE) $$step || failed="$$failed $$step"; \
	done; \
	if [ -n "$$failed" ]; then echo "== make test: FAILED:$$failed" >&2; exit 1; fi

lint: ruff yamllint ansible-lint changelog-lint

ruff: venv
	$(BIN)/ruff check .

yamllint: venv
	$(BIN)/yamllint .

ansible-lint: venv collection
	$(BIN)/ansible-lint

changelog-lint: venv
	$(BIN)/antsibull-changelog lint

# Regenerate CHANGELOG.md from changelogs/fragments (a test checks it is current).
changelog: venv
	$(BIN)/python tests/unit/test_changelog.py

sanity: venv
ifeq ($(SANITY),1)
	bash tools/sanity.sh $(BIN) $(CACHE_DIR) $(SANITY_ARGS)
else
	@echo 'sanity: skipped (SANITY=$(SANITY))'
endif

pytest: venv collection browser
	$(BIN)/python -m pytest $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS)) $(PYTEST_ARGS)

# --------------------------------------------------------------------- other

# Build the Galaxy artifact (winops-golang-<version>.tar.gz) in the repository root.
build: venv-controller
	$(BIN)/ansible-galaxy collection build --force .

clean:
	rm -rf $(CACHE_DIR) $(COLLECTIONS_DIR) .pytest_cache .ruff_cache .hypothesis tests/output
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) .winsim .ansible
