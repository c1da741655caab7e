# Two contracts with a fresh machine: `make run` and `make test` need nothing but Python >= 3.11 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The example bloc-year, shipped inside the package so an installed command has it too.
EXAMPLE := pipeline/examples/quang-tri-2024
EXAMPLE_RULES := $(EXAMPLE)/schemas/quang-tri-co-quan-dang-2024.yaml

# The budgets are measured as a user meets bloc-score: without the test extras, its code byte-compiled.
BENCH_VENV := .venv-bench

.PHONY: run test templates sample docs bench fuzz clean

$(BIN)/bloc-score: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

run: $(BIN)/bloc-score  ## score the example: $(EXAMPLE)/input/ -> output/
	$(BIN)/bloc-score run --rules $(EXAMPLE_RULES) --input $(EXAMPLE)/input --out output

test: $(BIN)/bloc-score  ## the whole test suite, then ruff and mypy (strict, on pipeline/)
	$(BIN)/python -m pytest
	$(BIN)/ruff check .
	$(BIN)/mypy

templates: $(BIN)/bloc-score  ## blank templates for every unit of the example -> output/templates/
	$(BIN)/bloc-score templates --rules $(EXAMPLE_RULES) --out output/templates

sample: $(BIN)/bloc-score  ## regenerate the nine submissions of the example in $(EXAMPLE)/input/
	$(BIN)/python scripts/make_sample_input.py

docs: $(BIN)/bloc-score  ## regenerate docs/issue-codes.md and the copy of docs/ the package ships
	$(BIN)/python scripts/make_docs.py

$(BENCH_VENV)/bin/bloc-score: pyproject.toml
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install --quiet -e .
	@touch $@

# An editable install is not byte-compiled, and where PYTHONDONTWRITEBYTECODE=1 every run would compile the
# package again: compile it as pip compiles an installed package.
bench: $(BENCH_VENV)/bin/bloc-score  ## the budgets a user feels (docs/performance.md); BENCH_ARGS=--big adds 10,000
	$(BENCH_VENV)/bin/python -m compileall -q pipeline
	$(BENCH_VENV)/bin/python bench/run.py $(BENCH_ARGS)

fuzz: $(BIN)/bloc-score  ## 100,000 mutated submissions against the reader and the validator: 0 crashes (docs/guarantees.md)
	$(BIN)/python bench/fuzz.py --count 100000 --workers 2

clean:
	rm -rf $(VENV) $(BENCH_VENV) output/*.xlsx output/*.json output/previous output/templates .pytest_cache
