"""Measure HTML extraction settings on ../shared/eval/html_pages, without Prefect.

Runs the per-document pipeline (decode, trafilatura, normalize, boilerplate) with each
trafilatura setting and prints the snippet metric of ../shared/eval/score.py (a "with"
snippet must survive, a "without" one must not), next to trafilatura alone.

    .venv/bin/python bench/eval_html.py [--quick]

``--quick`` measures the default settings only; ``--only VARIANT`` the default and that
one variant (for example ``--only no_lead_from_markup``). ``--speed OLD_EXTRACT_PY`` instead times
`extract_html` of this tree against another version of cleaners/extract.py (for example
``git show main:cleaners/extract.py > /tmp/extract_main.py``) on every second page, both in
turn on each page, and prints pages per CPU-second and per wall-second (median of 3).
Otherwise the times are per page: trafilatura alone after decoding, textclean for the
whole per-document pipeline.

Each figure is printed for the whole set and for its two halves, split by a hash of the
file name (`half`): rules are tuned on half A and confirmed on half B, so that a rule that
only fits the pages it was tuned on shows as a gain on A alone.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import statistics
import sys
import time
import unicodedata
from dataclasses import replace
from pathlib import Path

import trafilatura

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaners.decode import declared_charset, decode_bytes  # noqa: E402
from cleaners.extract import ExtractConfig, extract_html  # noqa: E402
from cleaners.pipeline import PipelineConfig, RawDocument, Toolkit, clean_document  # noqa: E402
from cleaners.records import Rejection  # noqa: E402

SET = ROOT.parent / "shared" / "eval" / "html_pages"
_WORD = re.compile(r"\w+")


def norm(text: str) -> str:
    return " ".join(_WORD.findall(unicodedata.normalize("NFKC", text or "").casefold()))


def half(source: str) -> str:
    """'A' or 'B': a fixed split of the set in two by a hash of the file name."""
    return "A" if hashlib.sha1(source.encode()).digest()[0] % 2 == 0 else "B"


def halves(texts: dict[str, str], gold: list[dict]) -> str:
    """The snippet F1 of the whole set and of each half, as one printable string."""
    parts = [f"f1 {snippet_score(texts, gold)['f1']}"]
    for name in "AB":
        part = [item for item in gold if half(item["source"]) == name]
        parts.append(f"{name} ({len(part)} pages) {snippet_score(texts, part)['f1']}")
    return ", ".join(parts)


def snippet_score(texts: dict[str, str], gold: list[dict]) -> dict[str, float]:
    tp = fn = fp = 0
    for item in gold:
        text = f" {norm(texts.get(item['source'], ''))} "
        for s in item["with"]:
            hit = bool(norm(s)) and f" {norm(s)} " in text
            tp, fn = tp + hit, fn + (not hit)
        fp += sum(bool(norm(s)) and f" {norm(s)} " in text for s in item["without"])
    p, r = tp / max(1, tp + fp), tp / max(1, tp + fn)
    return {"precision": round(p, 4), "recall": round(r, 4),
            "f1": round(2 * p * r / max(1e-9, p + r), 4)}


def speed(old_module: Path) -> None:
    """Interleaved timing of `extract_html`: `old_module`'s against this tree's."""
    spec = importlib.util.spec_from_file_location("extract_before", old_module)
    assert spec is not None and spec.loader is not None
    before = importlib.util.module_from_spec(spec)
    sys.modules["extract_before"] = before
    spec.loader.exec_module(before)
    gold = [json.loads(line) for line in (SET / "gold.jsonl").open(encoding="utf-8")]
    texts = []
    for item in gold[::2]:
        data = (SET / item["source"]).read_bytes()
        decoded = decode_bytes(data, declared=declared_charset(data))
        assert not isinstance(decoded, Rejection)
        texts.append(decoded.text)
    runs = {"before": before.extract_html, "now": extract_html}
    rates: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
    for trial in range(3):
        spent = {name: [0.0, 0.0] for name in runs}
        for i, text in enumerate(texts):
            for name in sorted(runs, reverse=(i + trial) % 2 == 1):
                cpu, wall = time.process_time(), time.perf_counter()
                runs[name](text)
                spent[name][0] += time.process_time() - cpu
                spent[name][1] += time.perf_counter() - wall
        for name, (cpu, wall) in spent.items():
            rates[name].append((len(texts) / cpu, len(texts) / wall))
    for name, values in rates.items():
        print(f"{name}: {statistics.median(v[0] for v in values):.2f} pages per CPU-second, "
              f"{statistics.median(v[1] for v in values):.2f} per wall-second")


def main() -> None:
    if "--speed" in sys.argv:
        speed(Path(sys.argv[sys.argv.index("--speed") + 1]))
        return
    gold = [json.loads(line) for line in (SET / "gold.jsonl").open(encoding="utf-8")]
    pages = {g["source"]: (SET / g["source"]).read_bytes() for g in gold}
    alone = {}
    start = time.perf_counter()
    for source, data in pages.items():
        decoded = decode_bytes(data, declared=declared_charset(data))
        assert not isinstance(decoded, Rejection)
        doc = trafilatura.bare_extraction(decoded.text, include_comments=False)
        alone[source] = doc.text if doc is not None else ""
    print("trafilatura alone (comments excluded)", snippet_score(alone, gold), halves(alone, gold),
          f"{1000 * (time.perf_counter() - start) / len(pages):.0f} ms/page (decode + extract)")
    variants = {
        "balanced": ExtractConfig(),
        "favor_precision": ExtractConfig(favor_precision=True),
        "favor_recall": ExtractConfig(favor_recall=True),
        "no_tables": ExtractConfig(include_tables=False),
        "no_lead_from_description": ExtractConfig(lead_from_description=False),
        "no_drop_captions": ExtractConfig(drop_captions=False),
        "no_drop_calls_to_action": ExtractConfig(drop_calls_to_action=False),
        "no_drop_consent": ExtractConfig(drop_consent=False),
        "no_drop_comment_sections": ExtractConfig(drop_comment_sections=False),
        "no_body_fallback": ExtractConfig(body_fallback=False),
        "no_restore_tables": ExtractConfig(restore_tables=False),
        "no_declared_body": ExtractConfig(declared_body=False),
        "no_drop_page_chrome_lines": ExtractConfig(drop_page_chrome_lines=False),
        "no_lead_from_markup": ExtractConfig(lead_from_markup=False),
        "no_drop_linked_headings": ExtractConfig(drop_linked_headings=False),
        "no_text_blocks": ExtractConfig(text_blocks=False),
        "no_drop_teaser_cards": ExtractConfig(drop_teaser_cards=False),
    }
    if "--quick" in sys.argv:
        variants = {"balanced": variants["balanced"]}
    elif "--only" in sys.argv:
        only = sys.argv[sys.argv.index("--only") + 1]
        variants = {name: variants[name] for name in ("balanced", only)}
    for name, extract in variants.items():
        tools = Toolkit(replace(PipelineConfig(), extract=extract))
        texts = {}
        rejected = []
        start = time.perf_counter()
        for source, data in pages.items():
            result = clean_document(RawDocument("x", source, None, "html", data), tools)
            if isinstance(result, Rejection):
                rejected.append(f"{source}:{result.reason}")
            texts[source] = "" if isinstance(result, Rejection) else "\n".join(
                p.text for p in result.paragraphs)
        print(f"textclean {name}", snippet_score(texts, gold), halves(texts, gold),
              f"{1000 * (time.perf_counter() - start) / len(pages):.0f} ms/page (whole document)",
              f"rejected {rejected}", flush=True)


if __name__ == "__main__":
    main()
