# Two commands for a new user: `make synth` and `make test`. Both set up what they need first:
# each virtual environment is checked (pins installed, nothing missing) and built again, in a
# new folder switched in at once, only when it is broken or its lock files changed
# (scripts/setup_venv.sh); node_modules is redone when package*.json change. Both under a lock,
# so concurrent runs wait for each other.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
NODE_STAMP := node_modules/.installed
VALIDATORS := .venv-validators
SAM := .venv-sam

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

.PHONY: help setup python-env validators-env sam-env api-reference synth test lint typecheck unit unit-library unit-system check images bench snapshot-update clean container-tools

help:
	@echo "make synth            set up, then synthesize the example app into cdk.out/"
	@echo "make test             set up, then ruff, mypy, pytest and make check"
	@echo "make check            cfn-lint, checkov, hadolint and parliament over the apps' output,"
	@echo "                      and the API reference's strict build (build/api/index.html)"
	@echo "make images           synthesize, then build the app's images (docker or podman)"
	@echo "make bench            synth at organisation scale four ways, and local image times"
	@echo "make snapshot-update  rewrite the syrupy snapshots (review the diff, commit it alone)"
	@echo "make clean            remove cdk.out/ and caches (keeps .venv and node_modules)"

python-env:
	@scripts/setup_venv.sh $(VENV) $(PYTHON) requirements.txt requirements-dev.txt pyproject.toml \
	  -- -r requirements.txt -r requirements-dev.txt -- --no-deps --editable .

# npm ci starts by removing node_modules, so an interrupted one is redone by the next run (the
# stamp is gone with it); the lock keeps two runs from installing into the same folder.
$(NODE_STAMP): package.json package-lock.json
	@mkdir -p $(VENV).d
	@flock $(VENV).d/node.lock sh -c '[ $@ -nt package.json ] && [ $@ -nt package-lock.json ] || { \
	  npm ci --no-audit --no-fund --loglevel=error \
	  && { node --version | grep -q "^v22\." || { echo "node_modules/.bin/node is not Node 22: $$(node --version)"; exit 1; }; } \
	  && touch $@; }'

validators-env:
	@scripts/setup_venv.sh $(VALIDATORS) $(PYTHON) requirements-validators.txt \
	  -- -r requirements-validators.txt

# AWS SAM CLI for tests/test_sam_cli.py, apart: its boto3 and cfn-lint pins are not checkov's.
sam-env:
	@scripts/setup_venv.sh $(SAM) $(PYTHON) requirements-sam.txt -- -r requirements-sam.txt

setup: python-env $(NODE_STAMP)

# Extra context for cdk synth, e.g. SYNTH_CONTEXT='-c pipeline=true' or '-c config=org.yaml'.
SYNTH_CONTEXT ?=

# Synthesized into a new folder, which replaces cdk.out only once synth succeeded (a bad
# configuration leaves the last good cdk.out), under a lock (a second synth waits).
synth: setup
	@scripts/synth.sh $(SYNTH_CONTEXT)
	$(PY) scripts/synth_summary.py cdk.out

lint: setup
	ruff check .
	ruff format --check .

typecheck: setup
	mypy

container-tools:
	@scripts/install_container_tools.sh

# The tests that mostly wait on other processes (containers, set-up scripts, make, a wheel's
# build, apps run as the CDK CLI runs them) run in a pytest of their own, beside the rest:
# `make test` overlaps the two, which take about as long.
SYSTEM_TESTS := tests/test_local_images.py tests/test_setup_faults.py tests/test_sam_cli.py \
  tests/test_wheel.py tests/test_user_app.py tests/test_app_errors.py

unit: unit-library unit-system

unit-library: setup validators-env container-tools
	LAMBDA_IMAGES_VALIDATORS=$(CURDIR)/$(VALIDATORS)/bin pytest $(addprefix --ignore=,$(SYSTEM_TESTS))

unit-system: setup container-tools sam-env
	LAMBDA_IMAGES_SAM=$(CURDIR)/$(SAM)/bin/sam pytest $(SYSTEM_TESTS)

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

# The API reference from the docstrings (pdoc), strict: any warning fails it.
api-reference: setup
	$(PY) scripts/api_reference.py build/api

check: setup validators-env api-reference
	$(PY) scripts/validators.py --tools $(CURDIR)/$(VALIDATORS)/bin

# Lint, type check, both halves of the tests and the validators all start at once (set-up
# first, once), each target's output kept together: mypy's cold start (a minute without its
# cache) no longer holds up pytest.
test:
	@$(MAKE) --no-print-directory -j5 --output-sync=target lint typecheck unit check

snapshot-update: setup
	pytest --snapshot-update

clean:
	rm -rf cdk.out build .pytest_cache .mypy_cache .ruff_cache
