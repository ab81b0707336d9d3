"""Compare normalize_text's CPU time now against another commit's, in one process, interleaved.

The inputs are the texts `clean_document` hands to `normalize_text` (each document's text
and title) while it cleans the first `--docs` documents of bench/corpus/e2e-10000-seed1,
as this tree extracts them. The other commit's `cleaners/normalize.py` is unpacked (`git
show`) and loaded beside this tree's (its other imports resolve to this tree's modules);
both must give the same text, `repaired` flag and steps for every input, then each round
times both in turn (old, new, then new, old), so a busy machine slows both alike.
Prints CPU ms a document (time.process_time) per round, the medians and new/old.

    .venv/bin/python bench/compare_normalize_speed.py [--old e382c0b] [--docs 3000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cleaners.normalize as current  # noqa: E402
import cleaners.pipeline as pipeline  # noqa: E402
from cleaners.pipeline import PipelineConfig, RawDocument, Toolkit, clean_document  # noqa: E402

CORPUS = ROOT / "bench" / "corpus" / "e2e-10000-seed1"


def _old_module(commit: str, folder: Path) -> ModuleType:
    source = subprocess.run(["git", "show", f"{commit}:cleaners/normalize.py"], cwd=ROOT,
                            check=True, capture_output=True, text=True).stdout
    path = folder / "old_normalize.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("old_normalize", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["old_normalize"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _inputs(docs: int) -> list[str]:
    """The texts normalize_text receives while the first `docs` documents are cleaned."""
    texts: list[str] = []

    def recording(text: str, config: current.NormalizeConfig) -> current.Normalized:
        texts.append(text)
        return current.normalize_text(text, config)

    tools = Toolkit(PipelineConfig())
    files = [p for p in sorted(CORPUS.glob("*/*")) if p.suffix in (".txt", ".html")][:docs]
    pipeline.normalize_text = recording  # type: ignore[assignment]
    try:
        for path in files:
            kind = "html" if path.suffix == ".html" else "text"
            clean_document(RawDocument(doc_id=path.name, source=str(path), record=None,
                                       kind=kind, data=path.read_bytes()), tools)
    finally:
        pipeline.normalize_text = current.normalize_text
    return texts


def _cpu_ms(module: ModuleType, texts: list[str], docs: int) -> float:
    started = time.process_time()
    for text in texts:
        module.normalize_text(text)
    return (time.process_time() - started) * 1000 / docs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--old", default="e382c0b", help="the commit to compare against")
    parser.add_argument("--docs", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        old = _old_module(args.old, Path(folder))
        texts = _inputs(args.docs)
        docs = min(args.docs, len(texts))
        for text in texts:
            a, b = old.normalize_text(text), current.normalize_text(text)
            if (a.text, a.repaired, a.fixes) != (b.text, b.repaired, b.fixes):
                print(f"DIFFERENT on {text[:80]!r}")
                return 1
        print(f"{len(texts)} texts of {args.docs} documents: the same text, flag and steps")
        times: dict[str, list[float]] = {"old": [], "new": []}
        for round_no in range(args.rounds):
            order = [("old", old), ("new", current)]
            for name, module in order if round_no % 2 == 0 else order[::-1]:
                times[name].append(_cpu_ms(module, texts, docs))
    for name, values in times.items():
        print(f"{name}: " + " ".join(f"{v:.3f}" for v in values)
              + f"  median {statistics.median(values):.3f} CPU ms a document")
    ratios = [new / old for new, old in zip(times["new"], times["old"], strict=True)]
    print(f"new/old, median of the rounds: {statistics.median(ratios):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
