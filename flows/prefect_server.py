"""Prefect's embedded API server for a run: started first, tied to this process.

Without PREFECT_API_URL, a run needs an API server of its own: the one Prefect embeds
(an ephemeral server, uvicorn serving `prefect.server.api.server:create_app` on
loopback; here through `create_app` below). Its start was most of a small run's time
(issue 20: 11.5 s for the five seeds, of which the server's start-up took about 6 s,
waited for after the CLI had imported everything). So:

- `start_early` starts it before the CLI imports Prefect or the cleaners, so that its
  start-up (importing the server, about 3 s of CPU) runs on the second core while this
  process imports, reads the config and warms up. It imports nothing heavy itself:
  this module is the first thing the CLI loads, and the server's own module too.
- it starts with the settings a run does not need turned off, each measured
  (`SPEED_SETTINGS`), and without checking the database migrations again when the
  database is at the revision this Prefect version migrated it to (`MARKER`).
- its start-up runs without the cyclic garbage collector, and it exits without
  tearing its interpreter down once stopped (`serve`).
- it runs in a session of its own, tied to this process (`flows.lifeline`): Ctrl-C
  reaches only the CLI, which reports the flow run Crashed before stopping the
  server, and a SIGKILL of the CLI takes the server with it (issue 16).

Users with PREFECT_API_URL set to a running server get none of this: the run reports
to their server. A URL set in a Prefect profile rather than the environment is only
known once Prefect is imported; then the server started early is stopped unused.
"""

from __future__ import annotations

import contextlib
import gc
import http.client
import importlib.util
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flows import lifeline

#: Settings of the embedded server that a run does not need, each with what it saved
#: in CPU seconds to "ready" (median of 5 starts, warm home, 2 loaded cores). A user's
#: own value for any of them, set in the environment, wins.
SPEED_SETTINGS = {
    # Block types are registered for the UI's Blocks page; a run uses no block. Prefect
    # loads every installed collection (prefect-dask, which imports distributed) to
    # hash the registry even when it then skips the registration: 0.7 s.
    "PREFECT_API_BLOCKS_REGISTER_ON_START": "false",
    "PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION": "false",
    # The embedded server never serves the UI (as Prefect starts it).
    "PREFECT_UI_ENABLED": "0",
    # No telemetry: the call fails offline, and a run has nothing to report.
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # Automations: the reactive and proactive triggers and their actions read every
    # event the run sends, for automations no one-shot run has; and the event stream to
    # websocket subscribers (a UI, `prefect events stream`): the embedded server serves
    # no UI, and a run's futures wait on threads, not on events. Together 0.23 s to
    # "ready" (medians 3.60 / 3.83 s of 5-6 starts; idle, no difference) and ~0.3 s over
    # a 10k run (issue 20, docs/benchmarks.md). Task runs, logs, artifacts and events
    # are still recorded (TaskRunRecorder and the event persister stay on; a test reads
    # them back through the Prefect client).
    "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false",
    "PREFECT_SERVER_EVENTS_STREAM_OUT_ENABLED": "false",
    # py-key-value (docket's store) checks the types of its own calls at run time with
    # beartype, warning on a mismatch; building those checks at import took ~0.15 s of
    # CPU of the start (medians of 6 starts, 3.20 / 3.05 s; issue 20). Nothing else
    # changes: the checks only ever warned.
    "PY_KEY_VALUE_DISABLE_BEARTYPE": "true",
}
#: Environment variables Prefect itself gives its embedded server.
EPHEMERAL = {"PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
#: What the server's database was migrated to, and by which Prefect version, kept in
#: PREFECT_HOME: checking the migrations again costs 0.1-0.2 s of CPU on every start
#: (importing alembic, walking the revisions; medians of 4 starts, twice), for a
#: database already current.
MARKER = "textclean-server.json"
_MIGRATE = ("PREFECT_SERVER_DATABASE_MIGRATE_ON_START", "PREFECT_API_DATABASE_MIGRATE_ON_START")
#: uvicorn's exit status when it cannot start (a port taken since it was chosen).
_STARTUP_FAILURE = 3
#: How often the server is asked whether it is up (a refused connection costs nothing).
_POLL_SECONDS = 0.05


class ServerStartError(RuntimeError):
    """The embedded Prefect server did not come up."""


class EmbeddedServer:
    """One embedded Prefect API server process, on a free loopback port."""

    def __init__(self) -> None:
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.started = 0.0
        self.log_path = _home() / "textclean-server.log"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def start(self, settings_env: dict[str, str] | None = None) -> None:
        """Start the server process; return at once (`wait` waits for it to answer)."""
        self.port = _free_port()
        self.started = time.monotonic()
        site = Path(importlib.util.find_spec("prefect").origin or "").parent.parent  # type: ignore[union-attr]
        environment = {**os.environ, **{k: v for k, v in SPEED_SETTINGS.items()
                                        if k not in os.environ}, **EPHEMERAL,
                       **(settings_env or {})}
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        # Its own log file: on a stop it prints tracebacks of its services' flushes.
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                lifeline.command(__name__, "--app-dir", str(site), "--factory",
                                 f"{__name__}:create_app",
                                 "--host", "127.0.0.1", "--port", str(self.port),
                                 "--log-level", "error", "--lifespan", "on"),
                env=environment, start_new_session=True, stdout=log, stderr=log)

    def wait(self, timeout: float | None = None) -> None:
        """Return once the server answers its health check; raise ServerStartError if it
        exits or does not answer within `timeout` seconds (by default Prefect's
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, else 20)."""
        limit = timeout or float(os.environ.get(
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "20"))
        retries = 2
        while True:
            assert self.process is not None, "start the server first"
            status = self.process.poll()
            if status == _STARTUP_FAILURE and retries:
                retries -= 1
                self.start()  # its port was taken since it was chosen: take another
                continue
            if status is not None:
                raise ServerStartError(f"the embedded Prefect server exited with status "
                                       f"{status}; its log: {self.log_path}")
            if _healthy(self.port):
                return
            if time.monotonic() - self.started > limit:
                self.stop(kill=True)
                raise ServerStartError(
                    f"the embedded Prefect server did not answer within {limit:g} s "
                    "(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS); its log: "
                    f"{self.log_path}")
            time.sleep(_POLL_SECONDS)

    def stop(self, kill: bool = False) -> None:
        """Stop the server: gracefully (it flushes the events it holds, 5 s at most),
        or at once with `kill`."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        if kill:
            process.kill()
        else:
            process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start_early() -> EmbeddedServer | None:
    """Start the embedded server now unless a server is configured in the environment
    (or, when Prefect is already imported, in its settings); None then."""
    if os.environ.get("PREFECT_API_URL"):
        return None
    settings_env: dict[str, str] = {}
    if "prefect.settings" in sys.modules:
        # Imported already (a test calling the CLI in-process): the settings in force
        # may be temporary ones, which the child cannot see in the environment.
        from prefect.settings import PREFECT_API_URL, get_current_settings

        if PREFECT_API_URL.value():
            return None
        settings_env = get_current_settings().to_environment_variables(exclude_unset=True)
    server = EmbeddedServer()
    server.start(settings_env)
    return server


@contextlib.contextmanager
def api_for_run(server: EmbeddedServer | None) -> Iterator[None]:
    """The Prefect API for the flow run in this block: the configured server if there
    is one (`server`, started early, is then stopped unused), else `server` (started
    now if it was not), once it answers.

    While the block runs, PREFECT_API_URL points at the embedded server in this
    process and in the environment (Dask workers inherit it). On the way out, the
    logs and events still queued are sent while the server still runs (drained at
    interpreter exit instead, they met a stopped server and retried for minutes), and
    the server is stopped: killed after Ctrl-C, since the run's end is recorded.
    """
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_CLIENT_SERVER_VERSION_CHECK_ENABLED,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
        temporary_settings,
    )

    # Client settings for a run on the embedded server, which is gone when the run ends.
    RUN_SETTINGS = {
        # The server is this very Prefect: the client's version check (its first
        # request, answered only after the server has built every API route) is moot.
        PREFECT_CLIENT_SERVER_VERSION_CHECK_ENABLED: False,
        # Heartbeats let a server that outlives a flow run mark it Crashed when they
        # stop; this one dies with the run. Their thread sleeps in whole seconds, and
        # the flow run waited for it to wake at its end: 0.5 s on average, 1 s at most.
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None,
    }

    if PREFECT_API_URL.value():
        if server is not None:
            server.stop(kill=True)
        yield
        return
    if server is None:
        server = EmbeddedServer()
        server.start()
    interrupted = False
    try:
        server.wait(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value())
        note_database_current()
        os.environ["PREFECT_API_URL"] = server.api_url
        with temporary_settings(updates={PREFECT_API_URL: server.api_url, **RUN_SETTINGS}):
            yield
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        if "PREFECT_API_URL" in os.environ:
            _drain()
        os.environ.pop("PREFECT_API_URL", None)
        server.stop(kill=interrupted)


def preload() -> None:
    """Import, while the server starts, what the flow run would import on its way:
    Prefect's engines, and FastAPI's encoder for the run's parameters (0.3 s); the flow
    engine's graph helpers and anyio's asyncio backend (~20 ms, the last modules a
    seeds run imported after its start-up)."""
    import anyio._backends._asyncio  # noqa: F401
    import fastapi.encoders  # noqa: F401
    import prefect.flow_engine
    import prefect.task_engine
    import prefect.utilities.visualization  # noqa: F401
    import pyarrow.dataset  # noqa: F401


def _drain() -> None:
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        worker.drain_all(timeout=5)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _healthy(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/api/health")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def _home() -> Path:
    return Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()


def _database_file(settings: Any) -> Path | None:
    """The SQLite file of the server's database, or None (another database)."""
    url = settings.server.database.connection_url
    url = url.get_secret_value() if hasattr(url, "get_secret_value") else str(url)
    prefix = "sqlite+aiosqlite:///"
    if not url.startswith(prefix) or "?" in url or ":memory:" in url:
        return None
    return Path(url.removeprefix(prefix))


def _revision(database: Path) -> str | None:
    """The alembic revision a SQLite database is at, read without alembic."""
    if not database.is_file():
        return None
    try:
        with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True,
                                                timeout=5)) as connection:
            row = connection.execute("select version_num from alembic_version").fetchone()
    except sqlite3.Error:
        return None
    return str(row[0]) if row else None


def _marker_state(settings: Any) -> dict[str, str] | None:
    import prefect

    database = _database_file(settings)
    revision = _revision(database) if database else None
    if database is None or revision is None:
        return None
    return {"database": str(database), "prefect": prefect.__version__, "revision": revision}


def note_database_current() -> None:
    """Record that the server's database is at the revision this Prefect version migrated
    it to (called once the server answers: it migrated, or found nothing to do)."""
    from prefect.settings import get_current_settings

    settings = get_current_settings()
    state = _marker_state(settings)
    marker = Path(settings.home) / MARKER
    if state is None:
        return
    with contextlib.suppress(OSError, ValueError):
        if json.loads(marker.read_text()) == state:
            return
    with contextlib.suppress(OSError):
        partial = marker.with_name(f".{MARKER}.{os.getpid()}")
        partial.write_text(json.dumps(state))
        os.replace(partial, marker)


def _database_is_current(settings: Any) -> bool:
    """Whether the marker says this Prefect version migrated this very database to the
    revision it is at now (another version's migrations, or none, mean it may not be)."""
    state = _marker_state(settings)
    try:
        return state is not None and json.loads(
            (Path(settings.home) / MARKER).read_text()) == state
    except (OSError, ValueError):
        return False


def create_app() -> Any:
    """Prefect's API app, as uvicorn's factory in the server process; then the objects
    the server's imports made, which live as long as the process, are frozen and the
    garbage collector is turned back on (`serve` turned it off)."""
    from prefect.server.api.server import create_app as prefect_app

    app = prefect_app()
    lifeline.started()
    return app


def serve(argv: list[str]) -> None:
    """The server process: uvicorn with `argv`, migrations skipped when not needed.

    Its start-up is mostly imports (Prefect's server, FastAPI, SQLAlchemy, docket):
    they run without the cyclic garbage collector, whose full collections walked every
    object imported so far while making almost no garbage to find (`create_app` turns
    it back on)."""
    import runpy

    gc.disable()

    from prefect.context import refresh_global_settings_context
    from prefect.settings import get_current_settings

    if not any(name in os.environ for name in _MIGRATE) and _database_is_current(
            get_current_settings()):
        os.environ[_MIGRATE[0]] = "false"
        refresh_global_settings_context()
    sys.argv = ["uvicorn", *argv]
    try:
        runpy.run_module("uvicorn", run_name="__main__", alter_sys=True)
        code: Any = 0
    except SystemExit as done:
        code = done.code
    # Stopped (its services flushed, its database connections closed): exit without
    # tearing the interpreter down, as the CLI does; the CLI waits for this exit at the
    # end of each run.
    lifeline.exit_now(0 if code is None else code if isinstance(code, int) else 1)


if __name__ == "__main__":
    serve(sys.argv[1:])
