# rlkit: every target creates .venv on first use (needs only python3 and make) and reuses it after.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.rlkit-installed
PYTEST := $(BIN)/python -m pytest
export JUPYTER_PREFER_ENV_PATH := 1
export MPLBACKEND := Agg
export SDL_VIDEODRIVER := dummy
export SDL_AUDIODRIVER := dummy
export PYGAME_HIDE_SUPPORT_PROMPT := 1

.PHONY: help install demo test test-slow docs lab bench export clean-nbs clean

help:
	@echo "make demo       train PPO on CartPole as a papermill job and write a report (curve, video)"
	@echo "make test       run the test suite (notebooks, unit tests, papermill job, docs build)"
	@echo "make test-slow  also run cells flagged slow and tests marked slow (installs chromium if missing)"
	@echo "make docs       build the documentation site into _site/ (no Quarto needed)"
	@echo "make lab        start JupyterLab on 127.0.0.1 with the project's kernel"
	@echo "make bench      run the benchmarks in bench/"
	@echo "make export     nbdev_export + nbdev_clean after editing notebooks"

# One install step, from the requirement lists in settings.ini, pinned by constraints.txt.
$(STAMP): constraints.txt settings.ini setup.py
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade-strategy only-if-needed -c constraints.txt -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name rlkit --display-name "Python (rlkit)" >/dev/null
	@touch $@

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/rlkit job train -c configs/ppo_cartpole.yaml

test: $(STAMP)
	$(PYTEST) tests -q -m "not slow"

test-slow: $(STAMP)
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium) || \
		echo "chromium could not be installed: the browser test will be skipped"
	NBDEV_TEST_FLAGS="slow" $(PYTEST) tests -q -m "slow or not slow"

docs: $(STAMP)
	$(BIN)/python tools/docs_prep.py --readme --sphinx
	$(BIN)/python -m sphinx -W --keep-going -q -b html -c tools/sphinx docs_src _site
	@echo "site: _site/index.html"

lab: $(STAMP)
	$(BIN)/jupyter lab --no-browser --ip 127.0.0.1 --ServerApp.root_dir=nbs $(if $(filter 0,$(shell id -u)),--allow-root,)

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

export: $(STAMP)
	$(BIN)/nbdev_export
	$(BIN)/nbdev_clean

clean:
	rm -rf _proc _docs docs_src _site .pytest_cache
