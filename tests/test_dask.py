"""The same flow on a local Dask cluster of two worker processes gives the same rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds
import pytest

from flows import storage
from flows.cli import main
from tests.conftest import SEEDS

pytestmark = [pytest.mark.usefixtures("prefect_server"), pytest.mark.slow]


def _rows(out: Path, name: str) -> list[str]:
    rows: list[dict[str, Any]] = ds.dataset(out / name, format="parquet").to_table().to_pylist()
    stable = [{k: v for k, v in r.items() if k not in ("run_id", "processed_at")} for r in rows]
    return sorted(json.dumps(r, sort_keys=True, default=str) for r in stable)


def test_dask_cluster_gives_the_same_rows_as_the_default_runner(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.settings import PREFECT_API_URL

    # Dask's worker processes inherit the environment: point them at the test server.
    monkeypatch.setenv("PREFECT_API_URL", str(PREFECT_API_URL.value()))
    config = tmp_path / "batches.toml"
    config.write_text("[batching]\nfiles = 2\n", encoding="utf-8")
    default, dask = tmp_path / "default", tmp_path / "dask"
    assert main(["run", str(SEEDS), "--output", str(default), "--config", str(config)]) == 0
    assert main(["run", str(SEEDS), "--output", str(dask), "--config", str(config),
                 "--dask", "local:2"]) == 0
    for name in storage.TABLES:
        assert _rows(dask, name) == _rows(default, name), name
    assert len(list((dask / "documents").glob("*.parquet"))) == 3


def test_bad_dask_address_is_a_usage_error(tmp_path: Path) -> None:
    assert main(["run", str(SEEDS), "--output", str(tmp_path / "o"), "--dask", "nowhere"]) == 2
