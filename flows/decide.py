"""Cross-document decisions over a whole run: site templates, then duplicate paragraphs.

Deciding is kept apart from applying (as dolma does): this step reads what each batch
staged for it (`flows.staging`), writes one small `decisions.parquet` (which paragraph,
by `(doc_id, line)`, is a site template line, which duplicates which), and each batch's
`finalize_batch` applies it.

It never reads the paragraphs' text. The batches staged 64-bit keys per short line
(template candidates, see `flows.site_templates`) and a dedup signature per long
paragraph (exact key, MinHash band keys, shingles), hashed in parallel where the text
was. Template lines are decided while the duplicate search's first tasks run, and the
decisions file is written while its last ones do; the paragraphs left are checked for
copies of one another and of earlier runs' paragraphs by `flows.decide_tasks`, in tasks
over partitions (its docstring tells the phases, `cleaners.dedup.keep_first` which copy
is kept); `flows.run_dedup` is the one-process path it is checked against.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from cleaners.reasons import SITE_TEMPLATE
from flows import decide_runners, decide_tasks, run_dedup, site_templates, staging, storage
from flows.settings import Settings
from flows.staging import DECISIONS, DECISIONS_SCHEMA


@dataclass(slots=True)
class DecideStats(run_dedup.DedupStats):
    """What the cross-document step found, for the summary and artifacts: the dedup
    figures (`run_dedup.DedupStats`) and the template lines."""

    template_lines: int = 0
    templates: dict[str, list[str]] = field(default_factory=dict)


def decide(staging_dir: str, batches: int, settings: Settings, dedup: bool,
           previous_version: str | None, version: str, tasks: int = 1,
           run: decide_runners.Runner = decide_runners.inline) -> DecideStats:
    """Decide template lines and duplicates for the run staged in `staging_dir`.

    `tasks`: the duplicate search in that many tasks per phase (`flows.decide_tasks`),
    run by `run` (default: one after another, here). 0 is the one-process reference
    path (`flows.run_dedup`), kept to check the split against: the decisions are the same.
    """
    stage = Path(staging_dir)
    docs = staging.read_documents(stage, batches)
    stats = DecideStats()
    tables: list[pa.Table] = []

    def templates() -> dict[str, list[int]]:
        """The site template lines, `doc_id -> lines`; their decisions go first into
        `tables`, their figures and examples into `stats`."""
        decided, examples = site_templates.decide(
            stage, batches, docs, settings.templates,
            Path(previous_version) if previous_version else None, Path(version))
        for site, refs in sorted(examples.items()):
            stats.templates[site] = sorted(site_templates.texts_of(stage, batches, refs))[:20]
        tables.insert(0, pa.Table.from_pylist([
            {"doc_id": doc_id, "line": line, "action": SITE_TEMPLATE, "rule": rule}
            for (doc_id, line), rule in sorted(decided.items())], schema=DECISIONS_SCHEMA))
        stats.template_lines = len(decided)
        lines: dict[str, list[int]] = defaultdict(list)
        for doc_id, line in sorted(decided):
            lines[doc_id].append(line)
        return lines

    def write(duplicates: list[pa.Table]) -> None:
        """The decisions file: the template lines' rows, then the duplicates'."""
        storage.write_part(stage, DECISIONS, pa.concat_tables([*tables, *duplicates]),
                           DECISIONS_SCHEMA)

    if not dedup:
        templates()
        write([])
    elif tasks == 0:
        write(run_dedup.find_duplicates(stage, batches, docs, templates(), settings.dedup,
                                        previous_version, version, stats))
    else:
        # The template lines are decided while the duplicate search's first tasks run,
        # the decisions written while its last ones do.
        decide_tasks.find_duplicates(stage, batches, docs, templates, settings.dedup,
                                     previous_version, version, stats, tasks,
                                     lambda duplicates: write([duplicates]), run)
    return stats
