"""Starting the embedded Prefect server early (issue 20): what it may skip, and that a
configured server still wins."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest

from flows import prefect_server


def _settings(home: Path, url: str) -> SimpleNamespace:
    return SimpleNamespace(home=home, server=SimpleNamespace(
        database=SimpleNamespace(connection_url=url)))


def _database(path: Path, revision: str) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("create table if not exists alembic_version (version_num text)")
        connection.execute("delete from alembic_version")
        connection.execute("insert into alembic_version values (?)", (revision,))


@pytest.mark.parametrize(("url", "expected"), [
    ("sqlite+aiosqlite:////home/ana/.prefect/prefect.db", Path("/home/ana/.prefect/prefect.db")),
    ("sqlite+aiosqlite:///:memory:", None),
    ("sqlite+aiosqlite:////tmp/p.db?mode=ro", None),
    ("postgresql+asyncpg://prefect:secret@db:5432/prefect", None),
])
def test_only_a_plain_sqlite_file_is_recognised(url: str, expected: Path | None) -> None:
    assert prefect_server._database_file(_settings(Path("/h"), url)) == expected


def test_migrations_are_skipped_only_at_the_revision_this_prefect_left(tmp_path: Path) -> None:
    database = tmp_path / "prefect.db"
    settings = _settings(tmp_path, f"sqlite+aiosqlite:///{database}")
    assert not prefect_server._database_is_current(settings)  # no database yet
    _database(database, "a3b9c7d2e5f1")
    assert not prefect_server._database_is_current(settings)  # no marker yet
    state = prefect_server._marker_state(settings)
    assert state is not None and state["revision"] == "a3b9c7d2e5f1"
    (tmp_path / prefect_server.MARKER).write_text(json.dumps(state))
    assert prefect_server._database_is_current(settings)
    _database(database, "ffffffffffff")  # another Prefect version migrated it since
    assert not prefect_server._database_is_current(settings)
    (tmp_path / prefect_server.MARKER).write_text("{not json")
    assert not prefect_server._database_is_current(settings)


def test_a_configured_server_wins_over_the_one_started_early() -> None:
    # PREFECT_API_URL set in a profile is only known once Prefect is imported: the
    # server started early is then stopped, and the run reports to the configured one.
    from prefect.settings import PREFECT_API_URL, temporary_settings

    server = prefect_server.EmbeddedServer()
    server.start()
    assert server.process is not None
    process = server.process
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api"}), \
            prefect_server.api_for_run(server):
        assert PREFECT_API_URL.value() == "http://127.0.0.1:9/api"
        assert server.process is None
    assert process.poll() is not None


def test_no_server_is_started_early_when_one_is_configured(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    assert prefect_server.start_early() is None


_READ_BACK = """
import asyncio, json
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

async def read():
    async with get_client() as client:
        [run] = await client.read_flow_runs()
        tasks = await client.read_task_runs()
        logs = await client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run.id])))
        artifacts = await client.read_artifacts()
    return {"state": run.state.type.value, "tasks": sorted(t.name for t in tasks),
            "task_states": sorted({t.state.type.value for t in tasks}),
            "logs": len(logs), "artifacts": sorted(a.key for a in artifacts if a.key)}

print(json.dumps(asyncio.run(read())))
"""


@pytest.mark.slow
def test_the_embedded_server_still_records_what_the_ui_shows(tmp_path: Path) -> None:
    # The services SPEED_SETTINGS turns off (automations, the event stream out) must not
    # take away what a user inspects afterwards: read back through the Prefect client
    # from the run's own PREFECT_HOME, the task runs with their final states, the
    # run's logs, its artifacts, and the events of its task runs.
    import os
    import subprocess
    import sys

    from tests.conftest import SEEDS

    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "home")}
    env.pop("PREFECT_API_URL", None)
    for name in prefect_server.SPEED_SETTINGS:
        env.pop(name, None)
    done = subprocess.run([str(Path(sys.executable).parent / "textclean"), "run", str(SEEDS),
                           "--output", str(tmp_path / "out")],
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    read = subprocess.run([sys.executable, "-c", _READ_BACK], env=env, capture_output=True,
                          text=True, timeout=600)
    assert read.returncode == 0, read.stderr[-2000:]
    found = json.loads(read.stdout.strip().splitlines()[-1])
    assert found["state"] == "COMPLETED"
    assert "clean-batch-00000" in found["tasks"] and "finalize-batch-00000" in found["tasks"]
    assert found["task_states"] == ["COMPLETED"]
    assert found["logs"] > 0
    assert {"textclean-summary", "textclean-report", "textclean-output"} <= set(found["artifacts"])
    with sqlite3.connect(tmp_path / "home" / "prefect.db") as db:
        events = {name for (name,) in db.execute("select distinct event from events")}
    assert {"prefect.task-run.Running", "prefect.task-run.Completed"} <= events
