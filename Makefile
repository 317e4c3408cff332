# Two commands for a new user: `make synth` and `make test`. Both set up what they need first;
# set-up is skipped when its lock files have not changed (one stamp per lock file).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PYTHON_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
VALIDATORS := .venv-validators
VALIDATORS_STAMP := $(VALIDATORS)/.installed

# The project-local Node 22 and CDK CLI come first, so jsii and `cdk` never use the machine's Node.
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/$(VENV)/bin:$(PATH)
# Offline and credential-free: no update checks, notices, telemetry or metadata-service probes.
export CDK_DISABLE_VERSION_CHECK := true
export CDK_DISABLE_CLI_TELEMETRY := true
export AWS_EC2_METADATA_DISABLED := true
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PYTHONDONTWRITEBYTECODE := 1
# cdk-assets builds images through this shim: default provenance attestations off, so a pushed
# image is one manifest and not an OCI index that Lambda refuses.
export CDK_DOCKER := lambda-images-docker
export BUILDX_NO_DEFAULT_ATTESTATIONS := 1

.PHONY: help setup synth test lint typecheck unit check images bench snapshot-update clean container-tools

help:
	@echo "make synth            set up, then synthesize the example app into cdk.out/"
	@echo "make test             set up, then ruff, mypy, pytest and make check"
	@echo "make check            cfn-lint, checkov, hadolint and parliament over the apps' output"
	@echo "make images           synthesize, then build the app's images (docker or podman)"
	@echo "make bench            synth at organisation scale four ways, and local image times"
	@echo "make snapshot-update  rewrite the syrupy snapshots (review the diff, commit it alone)"
	@echo "make clean            remove cdk.out/ and caches (keeps .venv and node_modules)"

$(PYTHON_STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@node --version | grep -q '^v22\.' || { echo "node_modules/.bin/node is not Node 22: $$(node --version)"; exit 1; }
	@touch $@

$(VALIDATORS_STAMP): requirements-validators.txt
	@test -x $(VALIDATORS)/bin/python || $(PYTHON) -m venv $(VALIDATORS)
	$(VALIDATORS)/bin/python -m pip install --quiet -r requirements-validators.txt
	@touch $@

setup: $(PYTHON_STAMP) $(NODE_STAMP)

# Extra context for cdk synth, e.g. SYNTH_CONTEXT='-c pipeline=true' or '-c config=org.yaml'.
SYNTH_CONTEXT ?=

synth: setup
	rm -rf cdk.out
	cdk synth --quiet --no-notices $(SYNTH_CONTEXT)
	$(PY) scripts/synth_summary.py cdk.out

lint: setup
	ruff check .
	ruff format --check .

typecheck: setup
	mypy

container-tools:
	@scripts/install_container_tools.sh

unit: setup $(VALIDATORS_STAMP) container-tools
	LAMBDA_IMAGES_VALIDATORS=$(CURDIR)/$(VALIDATORS)/bin pytest

# Build the synthesized app's images for real (docker if a daemon answers, else podman).
images: synth container-tools
	lambda-images build

BENCH_JS_STAMP := benchmarks/js/node_modules/.installed

$(BENCH_JS_STAMP): benchmarks/js/package.json benchmarks/js/package-lock.json $(NODE_STAMP)
	cd benchmarks/js && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Benchmarks print figures (about 15 minutes on 2 cores); nothing asserts a time.
bench: setup $(BENCH_JS_STAMP) container-tools
	$(PY) benchmarks/synth_scale.py
	$(PY) benchmarks/local_images.py

check: setup $(VALIDATORS_STAMP)
	$(PY) scripts/validators.py --tools $(CURDIR)/$(VALIDATORS)/bin

# The tests and the validators run side by side (2 cores; neither waits for the other), each
# target's output kept together.
test: lint typecheck
	$(MAKE) --no-print-directory -j2 --output-sync=target unit check

snapshot-update: setup
	pytest --snapshot-update

clean:
	rm -rf cdk.out build .pytest_cache .mypy_cache .ruff_cache
