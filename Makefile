# Two contracts with a fresh machine: `make run` and `make test` need nothing but Python >= 3.11 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The example bloc-year, shipped inside the package so an installed command has it too.
EXAMPLE := pipeline/examples/quang-tri-2024
EXAMPLE_RULES := $(EXAMPLE)/schemas/quang-tri-co-quan-dang-2024.yaml

# An editable install is not byte-compiled, and PYTHONDONTWRITEBYTECODE=1 would keep every run compiling
# the package again (0.08 s a run): compile it as an installed package is.
COMPILE = $(BIN)/python -m compileall -q pipeline

.PHONY: run test lint templates sample bench fuzz clean

$(BIN)/bloc-score: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(COMPILE)
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

bench: $(BIN)/bloc-score  ## speed and memory figures (see README)
	$(COMPILE)
	$(BIN)/python bench/run.py

fuzz: $(BIN)/bloc-score  ## 100,000 mutated submissions against the reader and the validator: 0 crashes (README)
	$(BIN)/python bench/fuzz.py --count 100000 --workers 2

clean:
	rm -rf $(VENV) output/*.xlsx output/*.json output/previous output/templates .pytest_cache
