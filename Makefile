# The README names these targets. Each one installs what it needs on a fresh machine:
# a pinned uv in .tools/, then the locked environment in .venv/ (uv.lock).
UV_VERSION := 0.13.9
UV := .tools/bin/uv
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 120
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false

.PHONY: setup run test lint eval bench clean

$(UV):
	python3 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

# --compile-bytecode: with PYTHONDONTWRITEBYTECODE set (it is in our shared sessions) or a
# read-only venv, every process (the flow, Prefect's server, each worker) would compile
# prefect, pyarrow, trafilatura... from source at import: 2.5 s of CPU per process,
# ~15 s per run. The Makefile is a prerequisite so existing venvs
# get compiled once.
.venv/.synced: pyproject.toml uv.lock Makefile | $(UV)
	$(UV) sync --frozen --compile-bytecode
	touch $@

setup: .venv/.synced

run: setup  ## clean the seed documents into data/
	.venv/bin/textclean run seeds --output data

test: setup  ## the whole test suite (what CI runs)
	.venv/bin/python -m pytest

lint: setup
	.venv/bin/ruff check cleaners flows tests bench
	.venv/bin/mypy cleaners flows

eval: setup  ## score every development set in ../shared/eval
	.venv/bin/python ../shared/eval/score.py --cmd ".venv/bin/textclean"

clean:
	rm -rf .venv .tools data/_textclean data/documents data/paragraphs data/removed data/rejected data/manifest.json
