# provcheck: `make demo` runs the main job on bundled demo data; `make test` runs lint + tests.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO   := build/demo

.PHONY: demo test lint unit bench bench-all fuzz clean check-readme screenshot

$(STAMP): pyproject.toml setup.py src/provcheck/matching/_align.c src/provcheck/matching/_align_index.c src/provcheck/matching/_tokens.c
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	@rm -rf $(DEMO) && mkdir -p $(DEMO)
	$(BIN)/provcheck index build $(DEMO)/index --sources fixtures/demo/sources.yaml --quiet
	$(BIN)/provcheck index info $(DEMO)/index
	-$(BIN)/provcheck scan fixtures/demo/dataset --index $(DEMO)/index \
	    --policy fixtures/demo/policy.yaml --waivers fixtures/demo/waivers.yaml \
	    --format text --format json --format html \
	    --output - --output $(DEMO)/report.json --output $(DEMO)/report.html; \
	  code=$$?; echo "provcheck scan exited with $$code (1 = blocking findings, as expected here)"; \
	  echo "HTML report for reviewers: file://$(CURDIR)/$(DEMO)/report.html"; \
	  test $$code -eq 1

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

unit: $(STAMP)
	$(BIN)/pytest -q -m "not slow"

test: lint
	$(BIN)/pytest -q

# Long, bounded robustness runs (issue 8): the readers fuzzed for FUZZ_SECONDS (a failing input is
# saved to tests/regressions/), every property test on 3,000 inputs, `index add` killed KILLS times.
FUZZ_SECONDS ?= 600
KILLS ?= 150
fuzz: $(STAMP)
	PROVCHECK_FUZZ_SECONDS=$(FUZZ_SECONDS) PROVCHECK_FUZZ_EXAMPLES=2000 \
	  $(BIN)/pytest -q -s tests/unit/test_fuzz.py -k survive
	PROVCHECK_HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest -q tests/unit/test_properties.py
	PROVCHECK_KILL_ITERATIONS=$(KILLS) $(BIN)/pytest -q -s tests/acceptance/test_index_faults.py -k killed

# The README's picture of the HTML report, taken by the browser test from the demo data.
screenshot: $(STAMP)
	$(BIN)/pytest -q tests/acceptance/test_html_browser.py -k demo_report
	mkdir -p docs/img && cp build/test-artifacts/report.png docs/img/report.png
	@echo "docs/img/report.png updated"

bench: $(STAMP)
	$(PY) benchmarks/detection.py
	$(PY) benchmarks/precision.py
	$(PY) benchmarks/code.py

bench-all: bench
	$(PY) benchmarks/parameters.py
	$(PY) benchmarks/scale.py

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache
