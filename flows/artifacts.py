"""The run's manifest and its Prefect artifacts, both built from the same counts.

Statistics come from the results the tasks returned (one source of truth): the manifest
written beside the Parquet and the artifacts shown in the Prefect UI say the same thing.
Artifact keys are fixed, so the Artifacts page shows each one's history across runs.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pyarrow.parquet as pq
from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)

from cleaners.reasons import SITE_TEMPLATE
from flows import storage
from flows.decide import DecideStats
from flows.finalize import BatchStats

SUMMARY_KEY = "textclean-summary"
REPORT_KEY = "textclean-report"
OUTPUT_KEY = "textclean-output"
PROGRESS_KEY = "textclean-progress"


def manifest(run_id: str, input_dir: str, output: str, dedup: bool, config_file: str | None,
             processed_at: datetime, final: BatchStats, decided: DecideStats,
             timings: dict[str, float], seconds: float, unchanged: int) -> dict[str, Any]:
    """The run manifest: what went in, what came out, and why things were removed."""
    counts = final.as_dict()
    counts["removed"][SITE_TEMPLATE] = counts["removed"].get(SITE_TEMPLATE, 0)
    return {
        "run_id": run_id,
        "processed_at": processed_at.isoformat(),
        "finished_at": datetime.now(UTC).isoformat(),
        "input": str(Path(input_dir).resolve()),
        "output": str(Path(output).resolve()),
        "dedup": dedup,
        "config_file": config_file,
        "seconds": round(seconds, 2),
        "seconds_per_stage": {k: round(v, 2) for k, v in timings.items()},
        "counts": {
            "input_files": final.files,
            "unchanged_files_skipped": unchanged,
            "documents": final.documents,
            "rejected": sum(final.rejected.values()),
            "paragraphs": final.paragraphs,
            "duplicate_paragraphs": sum(final.duplicates.values()),
            "removed_lines": sum(final.removed.values()),
            "chars_in": final.chars_in,
            "chars_out": final.chars_out,
            "bytes_in": final.bytes_in,
            "repaired_documents": final.repaired,
        },
        "rejected_by_reason": counts["rejected"],
        "removed_by_reason": {k: v for k, v in counts["removed"].items() if v},
        "duplicates_by_kind": counts["duplicates"],
        "languages": counts["languages"],
        "encodings": counts["encodings"],
        "templates": decided.templates,
        "duplicate_clusters": decided.clusters,
        "dedup_index_entries": decided.index_entries_after,
        "dedup_capped_paragraphs": decided.capped,
    }


def start_progress(total: int) -> UUID | None:
    """A progress artifact for the run, updated as batches finish."""
    if total <= 1:
        return None
    artifact_id: UUID = create_progress_artifact(  # type: ignore[assignment]  # sync context
        progress=0.0, key=PROGRESS_KEY, description=f"batches cleaned, of {total}")
    return artifact_id


def update_progress(artifact_id: UUID | None, done: int, total: int) -> None:
    if artifact_id is not None:
        update_progress_artifact(artifact_id=artifact_id, progress=100.0 * done / max(1, total))


def publish(manifest: dict[str, Any], out: storage.OutputFolder, decided: DecideStats) -> None:
    """Create the run's table, markdown and link artifacts in Prefect."""
    counts = manifest["counts"]
    rows: list[dict[str, Any]] = [
        {"stage": "discover", "item": "input files", "count": counts["input_files"]},
        {"stage": "decode/extract", "item": "documents", "count": counts["documents"]},
    ]
    rows += [{"stage": "rejected", "item": reason, "count": n}
             for reason, n in manifest["rejected_by_reason"].items()]
    rows += [{"stage": "boilerplate", "item": reason, "count": n}
             for reason, n in manifest["removed_by_reason"].items()]
    rows += [{"stage": "dedup", "item": kind, "count": n}
             for kind, n in manifest["duplicates_by_kind"].items()]
    rows += [{"stage": "language", "item": code, "count": n}
             for code, n in manifest["languages"].items()]
    rows.append({"stage": "output", "item": "paragraphs", "count": counts["paragraphs"]})
    create_table_artifact(table=rows, key=SUMMARY_KEY,
                          description="Counts per stage, removal reasons and languages")
    create_markdown_artifact(markdown=report_markdown(manifest, out), key=REPORT_KEY,
                             description="What was removed and why, languages, duplicates")
    create_link_artifact(link=out.root.resolve().as_uri(), link_text=str(out.root.resolve()),
                         key=OUTPUT_KEY, description="Where the Parquet output is")


# Rows of `removed` read at a time when looking for examples.
SLICE_ROWS = 50_000


def _examples(removed: Path, reasons: set[str], per_reason: int) -> dict[str, list[str]]:
    """The first `per_reason` removed lines of each reason, read a slice at a time and
    no further than needed (the table holds every removed line of the output)."""
    examples: dict[str, list[str]] = defaultdict(list)
    wanted = set(reasons)
    for part in storage.table_parts(removed):
        for rows in pq.ParquetFile(part).iter_batches(batch_size=SLICE_ROWS,
                                                       columns=["reason", "text", "source"]):
            for row in rows.to_pylist():
                if len(examples[row["reason"]]) < per_reason:
                    examples[row["reason"]].append(f"`{row['source']}`: {row['text'][:160]}")
                    if len(examples[row["reason"]]) == per_reason:
                        wanted.discard(row["reason"])
            if not wanted:
                return examples
    return examples


def report_markdown(manifest: dict[str, Any], out: storage.OutputFolder,
                    examples_per_reason: int = 3) -> str:
    """A readable report: examples of removed lines per reason, languages, duplicates."""
    current = out.current
    examples = _examples(current / "removed", set(manifest["removed_by_reason"]),
                         examples_per_reason) if current is not None else {}
    c = manifest["counts"]
    lines = [
        f"# textclean run {manifest['run_id']}",
        "",
        f"{c['input_files']} input files -> {c['documents']} documents, {c['rejected']} rejected; "
        f"{c['removed_lines']} lines removed; {c['duplicate_paragraphs']} duplicate paragraphs; "
        f"{c['chars_in']:,} -> {c['chars_out']:,} characters in {manifest['seconds']} s.",
        "",
        "## Removed lines by reason",
        "",
        "| reason | lines | examples |",
        "|---|---:|---|",
    ]
    for reason, n in sorted(manifest["removed_by_reason"].items(), key=lambda kv: -kv[1]):
        shown = "<br>".join(e.replace("|", "\\|") for e in examples.get(reason, []))
        lines.append(f"| {reason} | {n} | {shown} |")
    lines += ["", "## Rejected inputs", "", "| reason | files |", "|---|---:|"]
    lines += [f"| {r} | {n} |" for r, n in manifest["rejected_by_reason"].items()]
    lines += ["", "## Languages", "", "| language | documents |", "|---|---:|"]
    lines += [f"| {code} | {n} |" for code, n in manifest["languages"].items()]
    lines += ["", "## Largest duplicate clusters", "", "| kept paragraph | copies |", "|---|---:|"]
    lines += [f"| {c['kept']} | {c['copies']} |" for c in manifest["duplicate_clusters"]]
    return "\n".join(lines) + "\n"
