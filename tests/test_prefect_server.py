"""A real `prefect server` on loopback: run the flow against it and read back, through
the Prefect API, the flow run, its task runs and every artifact the run promises."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, SEEDS

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    port = _free_port()
    env = {**os.environ, "PREFECT_HOME": str(tmp_path_factory.mktemp("prefect-home")),
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    log = (tmp_path_factory.mktemp("log") / "server.log").open("w")
    process = subprocess.Popen(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    api = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, "prefect server exited early"
            time.sleep(1)
        else:
            pytest.fail("prefect server did not start in 180 s")
        yield api, {**env, "PREFECT_API_URL": api}
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_run_against_a_real_server_is_readable_through_the_api(
        server: tuple[str, dict[str, str]], tmp_path: Path) -> None:
    api, env = server
    out, config = tmp_path / "out", tmp_path / "batches.toml"
    config.write_text("[batching]\nfiles = 2\n", encoding="utf-8")  # three batches: progress
    done = subprocess.run([str(BIN / "textclean"), "run", str(SEEDS), "--output", str(out),
                           "--config", str(config)],
                          env=env, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    # Binding to loopback only: the server must not answer on another address.
    assert "127.0.0.1" in api

    async def read() -> tuple[object, list[object], dict[str, object]]:
        from prefect.client.orchestration import get_client
        from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

        async with get_client() as client:
            [flow_run] = await client.read_flow_runs()
            task_runs = await client.read_task_runs()
            artifacts = await client.read_artifacts(artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run.id])))
        return flow_run, task_runs, {a.key: a for a in artifacts if a.key}

    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api}):
        flow_run, task_runs, artifacts = asyncio.run(read())
    assert flow_run.name == f"clean seeds -> {out}"  # type: ignore[attr-defined]
    assert flow_run.state.is_completed()  # type: ignore[attr-defined]
    # The summary links the run's page in the server's UI.
    ui = api.removesuffix("/api")
    assert f"prefect UI  {ui}/runs/flow-run/{flow_run.id}" in done.stdout  # type: ignore[attr-defined]
    names = {t.name for t in task_runs}  # type: ignore[attr-defined]
    assert {"clean-batch-00000", "clean-batch-00002", "finalize-batch-00002"} <= names
    assert any(n.startswith("discover") for n in names)
    assert any(n.startswith("decide") for n in names)
    assert set(artifacts) >= {"textclean-summary", "textclean-report", "textclean-output",
                              "textclean-progress"}
    assert artifacts["textclean-progress"].data == 100.0  # type: ignore[attr-defined]
    assert "cookie_banner" in str(artifacts["textclean-summary"].data)  # type: ignore[attr-defined]
    report = str(artifacts["textclean-report"].data)  # type: ignore[attr-defined]
    assert "Removed lines by reason" in report and "Languages" in report
    assert str(out) in str(artifacts["textclean-output"].data)  # type: ignore[attr-defined]


def _deployment_input(api: str, name: str) -> str | None:
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api}), get_client(sync_client=True) as c:
        try:
            return str(c.read_deployment_by_name(f"clean-corpus/{name}").parameters["input_dir"])
        except ObjectNotFound:
            return None


def _serve_until_deployed(env: dict[str, str], api: str, folder: Path, out: Path,
                          *extra: str) -> None:
    process = subprocess.Popen([str(BIN / "textclean"), "serve", str(folder), "--output",
                                str(out), "--name", "twice", "--workers", "1", *extra],
                               env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while _deployment_input(api, "twice") != str(folder.resolve()):
            assert process.poll() is None, "serve exited early"
            assert time.monotonic() < deadline, "serve did not register its deployment"
            time.sleep(1)
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_serve_refuses_to_replace_another_inputs_deployment(
        server: tuple[str, dict[str, str]], tmp_path: Path) -> None:
    api, env = server
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    _serve_until_deployed(env, api, first, tmp_path / "out")
    refused = subprocess.run([str(BIN / "textclean"), "serve", str(second), "--output",
                              str(tmp_path / "out"), "--name", "twice"],
                             env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert refused.returncode == 2
    assert f"already cleans {first.resolve()}" in refused.stderr
    assert _deployment_input(api, "twice") == str(first.resolve())
    _serve_until_deployed(env, api, second, tmp_path / "out", "--replace")
