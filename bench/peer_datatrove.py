"""The closest datatrove pipeline to `textclean run`, for bench/run_bench.py to time.

Runs under bench/.peer-venv (datatrove is not a project dependency), never imports the
project, and prints one JSON line: seconds per stage, document counts, versions.

    reader -> trafilatura (HTML only) -> ftfy -> langdetect -> C4 quality ->
    Gopher repetition -> Gopher quality -> JSONL + MinHash signatures
    -> MinHash buckets -> MinHash cluster -> MinHash filter -> JSONL

Where it departs from datatrove's defaults, and why:

- datatrove has no reader for a folder of plain files, so `FolderReader` makes one
  document per .txt/.html file and one per record of a .jsonl.gz shard.
- Its Trafilatura extractor would parse every document as HTML: `HtmlOnly` feeds it the
  .html documents only (in its own time-limited sandbox process, as datatrove does).
- datatrove's LanguageFilter needs a fastText model that cannot be downloaded here;
  `Langdetect` calls langdetect on the whole text (seed 0), as LanguageFilter hands the
  whole text to fastText, and keeps every document (textclean keeps every language too).
- GopherQualityFilter's English stop-word rule is off (`min_stop_words=None`): 70% of the
  corpus is not English and textclean keeps every language; everything else is default.
- C4, Gopher and MinHash tokenize with their default language ("eng": a blank spaCy
  pipeline, which needs no download); no step needs NLTK data.
- MinHash is datatrove's default config (5-grams, 14 buckets of 8 hashes) and removes
  whole documents; textclean flags paragraphs. Both compare every document to every
  other, so the work is of the same order.

    bench/.peer-venv/bin/python bench/peer_datatrove.py INPUT WORK [--tasks 2 --workers 2]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
from collections import deque
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

from datatrove.data import Document, DocumentsPipeline
from datatrove.executor.local import LocalPipelineExecutor
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.dedup.minhash import (
    MinhashConfig,
    MinhashDedupBuckets,
    MinhashDedupCluster,
    MinhashDedupFilter,
    MinhashDedupSignature,
)
from datatrove.pipeline.extractors import Trafilatura
from datatrove.pipeline.filters import C4QualityFilter, GopherQualityFilter, GopherRepetitionFilter
from datatrove.pipeline.filters.base_filter import BaseFilter
from datatrove.pipeline.formatters import FTFYFormatter
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.readers.base import BaseDiskReader
from datatrove.pipeline.writers import JsonlWriter


class FolderReader(BaseDiskReader):
    """One document per .txt/.html file, one per record of a .jsonl(.gz) file."""

    name = "folder reader"

    def read_file(self, filepath: str) -> DocumentsPipeline:
        with self.data_folder.open(filepath, "rb") as handle:
            data = handle.read()
        if filepath.endswith(".gz"):
            data = gzip.decompress(data)
            filepath = filepath[:-3]
        kind = filepath.rsplit(".", 1)[-1]
        if kind == "jsonl":
            for number, line in enumerate(data.decode("utf-8", "replace").split("\n")):
                if line.strip():
                    record = json.loads(line)
                    record.setdefault("metadata", {})["kind"] = "text"
                    document = self.get_document_from_dict(record, filepath, number)
                    if document:
                        yield document
        elif kind in ("txt", "html"):
            record = {"text": data.decode("utf-8", "replace"),
                      "metadata": {"kind": "html" if kind == "html" else "text"}}
            document = self.get_document_from_dict(record, filepath, 0)
            if document:
                yield document


class HtmlOnly(PipelineStep):
    """datatrove's Trafilatura extractor applied to the HTML documents only."""

    name = "trafilatura (html only)"

    def __init__(self) -> None:
        super().__init__()
        self.extractor = Trafilatura()

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        waiting: deque[Document] = deque()

        def pages() -> Iterator[Document]:
            for doc in data:
                if doc.metadata.get("kind") == "html":
                    yield doc
                else:
                    waiting.append(doc)

        for doc in self.extractor.run(pages(), rank, world_size):
            while waiting:
                yield waiting.popleft()
            yield doc
        while waiting:
            yield waiting.popleft()


class Langdetect(BaseFilter):
    """Tag each document with langdetect's best language and probability; drop none."""

    name = "langdetect"

    def __init__(self) -> None:
        super().__init__()
        self._factory: Any = None

    def filter(self, doc: Document) -> bool:
        if self._factory is None:
            from langdetect.detector_factory import DetectorFactory, init_factory

            DetectorFactory.seed = 0
            init_factory()
            from langdetect import detector_factory

            self._factory = detector_factory._factory
        from langdetect.lang_detect_exception import LangDetectException

        detector = self._factory.create()
        detector.append(doc.text.replace("\n", " "))
        try:
            best = detector.get_probabilities()[0]
            doc.metadata["language"], doc.metadata["language_score"] = best.lang, best.prob
        except (LangDetectException, IndexError):
            doc.metadata["language"], doc.metadata["language_score"] = "und", 0.0
        self.stat_update(doc.metadata["language"])
        return True


def count_records(folder: Path) -> int:
    return sum(sum(1 for _ in gzip.open(path, "rt", encoding="utf-8"))
               for path in sorted(folder.glob("*.jsonl.gz")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="datatrove peer pipeline for run_bench.py")
    parser.add_argument("input", type=Path)
    parser.add_argument("work", type=Path, help="empty folder for intermediate and final output")
    parser.add_argument("--tasks", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    work = args.work.resolve()
    config = MinhashConfig()  # datatrove's default: 5-grams, 14 buckets x 8 hashes
    tasks, workers = args.tasks, args.workers
    stages = {
        "filter+signatures": LocalPipelineExecutor(
            pipeline=[
                FolderReader(str(args.input.resolve())),
                HtmlOnly(),
                FTFYFormatter(),
                Langdetect(),
                C4QualityFilter(),
                GopherRepetitionFilter(),
                GopherQualityFilter(min_stop_words=None),
                JsonlWriter(str(work / "filtered")),
                MinhashDedupSignature(output_folder=str(work / "signatures"), config=config),
            ],
            tasks=tasks, workers=workers, logging_dir=str(work / "logs" / "1")),
        "buckets": LocalPipelineExecutor(
            pipeline=[MinhashDedupBuckets(input_folder=str(work / "signatures"),
                                          output_folder=str(work / "buckets"), config=config)],
            tasks=config.num_buckets, workers=workers, logging_dir=str(work / "logs" / "2")),
        "cluster": LocalPipelineExecutor(
            pipeline=[MinhashDedupCluster(input_folder=str(work / "buckets"),
                                          output_folder=str(work / "remove_ids"), config=config)],
            tasks=1, logging_dir=str(work / "logs" / "3")),
        "dedup_filter": LocalPipelineExecutor(
            pipeline=[JsonlReader(str(work / "filtered")),
                      MinhashDedupFilter(input_folder=str(work / "remove_ids")),
                      JsonlWriter(str(work / "output"))],
            tasks=tasks, workers=workers, logging_dir=str(work / "logs" / "4")),
    }
    seconds: dict[str, float] = {}
    for name, executor in stages.items():
        started = time.perf_counter()
        executor.run()
        seconds[name] = round(time.perf_counter() - started, 3)
    stats = json.loads((work / "logs" / "1" / "stats.json").read_text("utf-8"))
    read = next(s for s in stats if s["name"].endswith(FolderReader.name))
    docs_in = read["stats"].get("documents", 0)
    # datatrove's own CPU-side timing of each step of the first stage, summed over tasks
    # (a step's time excludes the steps before it, except MinHash signatures, which
    # pulls the documents through the others).
    steps = {s["name"].split(": ", 1)[-1]: round(s["time_stats"]["total"], 1)
             for s in stats if isinstance(s.get("time_stats"), dict)
             and "total" in s["time_stats"]}
    result = {
        "seconds_per_stage": seconds,
        "step_seconds_summed_over_tasks": steps,
        "docs_in": docs_in.get("total", 0) if isinstance(docs_in, dict) else docs_in,
        "docs_after_filters": count_records(work / "filtered"),
        "docs_out": count_records(work / "output"),
        "tasks": tasks, "workers": workers,
        "versions": {name: version(name) for name in
                     ("datatrove", "ftfy", "langdetect", "spacy", "trafilatura", "xxhash")},
        "python": sys.version.split()[0],
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
