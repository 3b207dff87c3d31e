# provcheck: `make demo` runs the main job on bundled demo data; `make test` runs lint + tests.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO   := build/demo

.PHONY: demo test lint unit bench fuzz clean check-readme

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	@rm -rf $(DEMO) && mkdir -p $(DEMO)
	$(BIN)/provcheck index build $(DEMO)/index --sources fixtures/demo/sources.yaml --quiet
	$(BIN)/provcheck index info $(DEMO)/index
	-$(BIN)/provcheck scan fixtures/demo/dataset --index $(DEMO)/index \
	    --policy fixtures/demo/policy.yaml --waivers fixtures/demo/waivers.yaml --format text --format json \
	    --output - --output $(DEMO)/report.json; \
	  code=$$?; echo "provcheck scan exited with $$code (1 = blocking findings, as expected here)"; \
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

bench: $(STAMP)
	$(PY) benchmarks/detection.py

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache
