"""Cross-document decisions over a whole run: template lines, then duplicate paragraphs.

Deciding is kept apart from applying (as dolma does): this step reads the staged
paragraphs of every batch, writes one small `decisions.parquet` (which paragraph is a
template line, which duplicates which), and each batch's `finalize_batch` applies it.

Which copy of a duplicate is kept is deterministic: documents are taken in the order
(published date, earliest first, documents without a date after those with one; then
source path; then record number), paragraphs in document order, and the first copy met
is kept. Paragraphs already in the dedup index from earlier runs over the same output
come before all of them, so tomorrow's copy of today's paragraph is the duplicate.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from cleaners.boilerplate import template_key
from cleaners.dedup import DedupIndex, ParagraphRef
from cleaners.templates import count_keys, decide_templates, is_candidate
from flows import dedup_store, storage
from flows.batch import DECISIONS, site_of
from flows.settings import Settings

DECISIONS_SCHEMA = pa.schema([
    pa.field("doc_id", pa.string(), nullable=False),
    pa.field("position", pa.int32(), nullable=False),
    pa.field("action", pa.string(), nullable=False),
    pa.field("rule", pa.string()),
    pa.field("of_doc_id", pa.string()),
    pa.field("of_position", pa.int32()),
    pa.field("similarity", pa.float32()),
])


@dataclass(slots=True)
class DecideStats:
    """What the cross-document step found, for the summary and artifacts."""

    template_lines: int = 0
    templates: dict[str, list[str]] = field(default_factory=dict)
    duplicates: Counter[str] = field(default_factory=Counter)
    clusters: list[dict[str, Any]] = field(default_factory=list)
    index_entries_before: int = 0
    index_entries_after: int = 0


def _group(doc: dict[str, Any]) -> str:
    # Template evidence is gathered per site (the URL's host) or, for plain files with
    # no URL, per input folder: the unit within which a template repeats.
    site = site_of(doc.get("url")) or doc.get("sitename")
    if site:
        return f"site:{site}"
    return "folder:" + str(doc["source"]).rpartition("/")[0]


def _order_key(doc: dict[str, Any]) -> tuple[int, str, str, int]:
    published = _parse_date(doc.get("published"))
    return (published is None, published or "", doc["source"], doc.get("record") or 0)


def _parse_date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat()
    except ValueError:
        return None


def decide(staging: str, batches: int, settings: Settings, dedup: bool,
           previous_version: str | None, version: str) -> DecideStats:
    """Decide template lines and duplicates for the run staged in `staging`."""
    stage = Path(staging)
    docs: list[dict[str, Any]] = []
    texts: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for batch_no in range(batches):
        folder = stage / f"batch-{batch_no:05d}"
        docs += storage.read_rows(folder / "documents",
                                  ["doc_id", "source", "record", "url", "sitename", "published"])
        for row in storage.read_rows(folder / "paragraphs", ["doc_id", "position", "text"]):
            texts[row["doc_id"]].append((row["position"], row["text"]))

    stats = DecideStats()
    rows: list[dict[str, Any]] = []
    templates = _template_lines(docs, texts, settings, stats)
    final_position: dict[tuple[str, int], int] = {}
    for doc_id, items in texts.items():
        kept = [pos for pos, _ in items if (doc_id, pos) not in templates]
        final_position.update(((doc_id, pos), n) for n, pos in enumerate(kept))
    for (doc_id, position), rule in sorted(templates.items()):
        rows.append({"doc_id": doc_id, "position": position, "action": "template_line",
                     "rule": rule})
    stats.template_lines = len(templates)

    if dedup:
        rows += _duplicates(docs, texts, templates, final_position, settings,
                            previous_version, version, stats)
    storage.write_part(stage, DECISIONS, rows, DECISIONS_SCHEMA)
    return stats


def _template_lines(docs: list[dict[str, Any]], texts: dict[str, list[tuple[int, str]]],
                    settings: Settings, stats: DecideStats) -> dict[tuple[str, int], str]:
    config = settings.templates
    members: dict[str, list[str]] = defaultdict(list)
    for doc in docs:
        members[_group(doc)].append(doc["doc_id"])
    decided: dict[tuple[str, int], str] = {}
    for group, doc_ids in sorted(members.items()):
        if len(doc_ids) < config.min_documents:
            continue
        keys = {doc_id: [(pos, template_key(text)) for pos, text in texts.get(doc_id, ())
                         if is_candidate(text, config)] for doc_id in doc_ids}
        counts = count_keys([key for _, key in items if key] for items in keys.values())
        chosen = decide_templates(counts, len(doc_ids), config)
        if not chosen:
            continue
        stats.templates[group] = sorted(chosen)[:20]
        for doc_id, items in keys.items():
            for pos, key in items:
                if key in chosen:
                    decided[(doc_id, pos)] = f"recurs_in_{counts[key]}_of_{len(doc_ids)}_documents"
    return decided


def _duplicates(docs: list[dict[str, Any]], texts: dict[str, list[tuple[int, str]]],
                templates: dict[tuple[str, int], str], final_position: dict[tuple[str, int], int],
                settings: Settings, previous_version: str | None, version: str,
                stats: DecideStats) -> list[dict[str, Any]]:
    index = DedupIndex(settings.dedup)
    # Entries of documents processed again in this run are re-derived from their new
    # text; keeping the old ones would make a document a duplicate of its own past.
    earlier = None
    if previous_version is not None:
        earlier = dedup_store.load(Path(previous_version), settings.dedup,
                                   exclude={doc["doc_id"] for doc in docs})
    if earlier is not None:
        index.add_columns(dedup_store.to_columns(earlier, settings.dedup))
        stats.index_entries_before = earlier.num_rows

    def refs() -> Iterable[ParagraphRef]:
        for doc in sorted(docs, key=_order_key):
            for pos, text in texts.get(doc["doc_id"], ()):
                if (doc["doc_id"], pos) not in templates:
                    yield ParagraphRef(doc["doc_id"], final_position[(doc["doc_id"], pos)], text)

    staged_position = {(d, n): pos for (d, pos), n in final_position.items()}
    rows = []
    clusters: dict[tuple[str, int], list[str]] = defaultdict(list)
    for dup in index.check_and_add(refs()):
        stats.duplicates[dup.kind] += 1
        clusters[(dup.of_doc_id, dup.of_position)].append(dup.doc_id)
        rows.append({"doc_id": dup.doc_id, "position": staged_position[(dup.doc_id, dup.position)],
                     "action": dup.kind, "rule": None, "of_doc_id": dup.of_doc_id,
                     "of_position": dup.of_position, "similarity": dup.similarity})
    new = dedup_store.from_columns(index.new_columns(), settings.dedup)
    dedup_store.save(Path(version), [t for t in (earlier, new) if t is not None],
                     settings.dedup)
    stats.index_entries_after = stats.index_entries_before + new.num_rows
    biggest = sorted(clusters.items(), key=lambda item: (-len(item[1]), item[0]))[:10]
    stats.clusters = [{"kept": f"{d}#{p}", "copies": len(c)} for (d, p), c in biggest]
    return rows
