"""Test set-up: a private Prefect home and one embedded Prefect server for the session."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# Before anything imports prefect: a throw-away PREFECT_HOME so tests never touch the
# user's, a start-up limit the embedded server can meet on a fresh home, no telemetry.
os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="textclean-prefect-")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"

ROOT = Path(__file__).resolve().parents[1]
SHARED_EVAL = ROOT.parent / "shared" / "eval"
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """One embedded Prefect server for every test that runs the flow."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def shared_eval() -> Path:
    if not SHARED_EVAL.is_dir():
        pytest.skip("../shared/eval is not beside the project")
    return SHARED_EVAL


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Close the run with the lines tests record as `*_summary` properties (the hostile
    input suite's count of kinds, crashes and unaccounted files), whatever `-s` says."""
    seen: set[str] = set()
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) != "call":
                continue
            for name, value in getattr(report, "user_properties", ()):
                if name.endswith("_summary") and str(value) not in seen:
                    seen.add(str(value))
                    terminalreporter.write_line(str(value))
