# zhenxing — every target sets up what it needs first (scripts/setup.sh is idempotent).
.DEFAULT_GOAL := help
SHELL := /bin/bash
VENV := .venv/bin

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup: ## create .venv and install pinned packages and the CJK font (only when missing)
	@scripts/setup.sh

report: setup ## render the bundled sample county end to end into outputs/
	$(VENV)/zhenxing run

test: ## install everything the tests need, then lint and run the whole test suite (what CI runs)
	@scripts/setup.sh --test
	$(VENV)/ruff check lib tests bench
	$(VENV)/python -m pytest

notebooks: setup ## re-run the committed notebooks on the sample and store their outputs (nbval reference)
	$(VENV)/zhenxing notebooks

# Lab's root is the project, so notebooks/ and outputs/ (outputs/scratch, where notebooks
# run by hand write) are both browsable; it opens on notebooks/ with the kernel `zhenxing`.
# As root (most containers) it passes --allow-root; LAB_ARGS adds options (--no-browser, --port=…).
LAB_ARGS ?=
lab: ## open JupyterLab (root: the project; opens notebooks/) with the project's kernel
	@scripts/setup.sh --lab
	$(VENV)/jupyter lab --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks \
	  --MappingKernelManager.default_kernel_name=zhenxing \
	  $$( [ "$$(id -u)" = 0 ] && echo --allow-root ) $(LAB_ARGS)

bench: setup ## run the benchmarks (on demand; prints ratios, writes docs/performance.md)
	$(VENV)/python -m pip install -q -r bench/requirements.txt
	$(VENV)/python bench/run.py

.PHONY: help setup report test notebooks lab bench
