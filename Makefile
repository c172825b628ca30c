# orchsim: two commands on a fresh machine with python3 (3.11+) and make: `make report`, `make test`.
# The first run creates .venv and installs orchsim into it (2-3 minutes); afterwards run the command
# as .venv/bin/orchsim, or `. .venv/bin/activate` first (see README "The two commands").
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
OUT ?= reports
EXTRAS ?= notebooks,test,dask,lint

.PHONY: report test bench lab lint clean quick wheel-smoke

$(STAMP): pyproject.toml
	@echo "orchsim: creating $(VENV) and installing orchsim with its dependencies ($(EXTRAS)); 2-3 minutes, only on the first run or after pyproject.toml changes..."
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[$(EXTRAS)]'
	touch $(STAMP)
	@echo "orchsim: installed; in a new shell run it as $(BIN)/orchsim, or '. $(BIN)/activate' first"

report: $(STAMP)  ## the five-pattern comparison, then every notebook, into reports/ (about two and a half minutes once installed)
	$(BIN)/orchsim report --out $(OUT)

quick: $(STAMP)  ## the same report at toy sizes (about 55 s once installed)
	$(BIN)/orchsim report --out $(OUT) --quick

test: $(STAMP)  ## the suite: shuffled (pytest-randomly prints its seed) and on 2 workers (pytest-xdist)
	$(BIN)/python -m pytest -n 2 --dist worksteal --durations=15

bench: $(STAMP)  ## benchmarks: ratios against baselines measured in the same run
	$(BIN)/python benchmarks/run.py

lint: $(STAMP)  ## ruff, mypy and the import-linter layers contract
	$(BIN)/ruff check orchsim tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

wheel-smoke: $(STAMP)  ## build the wheel, install it outside the checkout, run simulate, price and report --quick
	bash .ci/wheel-smoke

lab: $(STAMP)  ## JupyterLab on notebooks/ (outputs and metadata are stripped on commit: nbstripout git filter)
	$(BIN)/nbstripout --install --attributes .gitattributes
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf $(VENV) $(OUT) dist build
