# The set-up commands of the README. Each creates .venv with what it needs, then runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check

.PHONY: demo test test-long fuzz test-gpu bench docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

demo: $(BIN)/python
	$(PIP) -e .
	$(BIN)/python examples/tour.py

# The suite runs on every core (pytest-xdist), at most 4 processes: each holds the oracles
# (JAX, PyTorch, scipy) and their caches, a few GB. PYTEST_WORKERS=0 runs it in this process.
PYTEST_WORKERS ?= auto --maxprocesses=4
test: $(BIN)/python
	$(PIP) -e ".[test,oracle,types,jax,optax,mpi,scipy]"
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS)

# The long run: the opt-in slow tests (FUNCGRAD_SLOW=1, e.g. every L-BFGS setup against optax) and
# many more hypothesis examples per property (the every-function harness, tests/test_harness.py:
# 40 generated calls per function instead of 1; FUNCGRAD_HARNESS_EXAMPLES=n sets the number).
test-long: $(BIN)/python
	$(PIP) -e ".[test,oracle,types,jax,optax,mpi,scipy]"
	FUNCGRAD_SLOW=1 FUNCGRAD_HYPOTHESIS=deep $(BIN)/python -m pytest -n $(PYTEST_WORKERS)

# The long fuzz run: every public function of the funcgrad API with 200 generated calls each
# (tests/test_fuzz_api.py; `make test` runs 3 each), the full-size load tests
# (tests/test_under_load.py). Add FUNCGRAD_FUZZ_STRICT=1 to also fail on TypeError/ValueError
# messages that the interpreter wrote from inside funcgrad instead of a check naming the argument.
fuzz: $(BIN)/python
	$(PIP) -e ".[test,oracle,jax,optax]"
	FUNCGRAD_SLOW=1 FUNCGRAD_HYPOTHESIS=deep $(BIN)/python -m pytest -rs tests/test_fuzz_api.py tests/test_under_load.py

# The GPU tests need CuPy, and the GPU benchmarks a CUDA build of PyTorch (PyPI's Linux wheel).
# CUDA_EXTRA=cuda13 for a CUDA 13 driver.
CUDA_EXTRA ?= cuda
test-gpu: $(BIN)/python
	$(PIP) -e ".[test,oracle,$(CUDA_EXTRA)]"
	$(BIN)/python -m pytest -m gpu
	$(BIN)/python -m benchmarks --no-json gpu

# Every workload, with PyTorch (oracle) and JAX (jax) beside funcgrad in the same run, then the
# scaling sweep (benchmarks/scaling.py); `python -m benchmarks.docs` turns the run into the docs'
# tables and charts.
bench: $(BIN)/python
	$(PIP) -e ".[bench,oracle,jax,mpi]"
	$(BIN)/python -m benchmarks

docs: $(BIN)/python
	$(PIP) -e ".[docs]"
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

clean:
	rm -rf $(VENV) build site *.egg-info
