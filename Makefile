# orchsim: two commands on a fresh machine with python3 and make: `make report`, `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
OUT ?= reports

.PHONY: report test bench lab lint clean quick

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,dask]'
	touch $(STAMP)

report: $(STAMP)  ## run every notebook and write the report under reports/
	$(BIN)/orchsim report --out $(OUT)

quick: $(STAMP)  ## the same report at toy sizes (about a minute)
	$(BIN)/orchsim report --out $(OUT) --quick

test: $(STAMP)  ## the test suite
	$(BIN)/python -m pytest

bench: $(STAMP)  ## benchmarks: ratios against baselines measured in the same run
	$(BIN)/python benchmarks/run.py

lint: $(STAMP)  ## ruff and mypy
	$(BIN)/python -m pip install -q -e '.[lint]'
	$(BIN)/ruff check orchsim tests benchmarks
	$(BIN)/mypy

lab: $(STAMP)  ## JupyterLab on notebooks/
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf $(VENV) $(OUT) .orchsim-cache
