"""Measure HTML extraction against a public reference set, trafilatura alone beside.

Two layouts are read. Mozilla Readability's test pages (mozilla/readability,
test/test-pages, Apache-2.0): a folder of page folders, each with ``source.html``,
``expected.html`` (the article as the set's makers extracted it) and optionally
``expected-metadata.json`` (``title``, ``publishedTime``). newspaper's full-text fixtures
(codelucas/newspaper, tests/data, MIT): ``html/NAME.html`` beside ``text/NAME.txt``, the
article text its maintainers expect (145 pages of news sites in several languages; no
metadata). Nothing of either is stored here; get them with

    git -C READABILITY_SNAPSHOT archive HEAD test/test-pages | tar -x -C /tmp/readability
    .venv/bin/python bench/eval_html_reference.py /tmp/readability/test/test-pages
    git -C NEWSPAPER_SNAPSHOT archive HEAD tests/data/html tests/data/text | tar -x -C /tmp/np
    .venv/bin/python bench/eval_html_reference.py /tmp/np/tests/data

Printed: word-level precision, recall and F1 against expected.html (bags of casefolded
words, micro-averaged over pages), pages with no text, title exact match (casefolded,
spaces collapsed), published dates right (same day) where the set gives one, and
milliseconds per page.
"""

from __future__ import annotations

import json
import re
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

import lxml.html
import trafilatura

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaners.extract import ExtractConfig, extract_html  # noqa: E402
from cleaners.records import Rejection  # noqa: E402

_WORD = re.compile(r"\w+")


def words(text: str) -> Counter[str]:
    return Counter(_WORD.findall(unicodedata.normalize("NFKC", text).casefold()))


def same(a: str | None, b: str | None) -> bool:
    return " ".join((a or "").casefold().split()) == " ".join((b or "").casefold().split())


def reference_pages(folder: Path) -> list[tuple[str, Path, Counter[str], dict[str, str]]]:
    """(name, page, words of the reference text, metadata) for each page of the set."""
    if (folder / "html").is_dir() and (folder / "text").is_dir():
        return [(text.stem, folder / "html" / f"{text.stem}.html",
                 words(text.read_text(encoding="utf-8", errors="replace")), {})
                for text in sorted((folder / "text").glob("*.txt"))
                if (folder / "html" / f"{text.stem}.html").exists()]
    found = []
    for page in sorted(p for p in folder.iterdir() if (p / "source.html").exists()):
        want = words(lxml.html.fromstring((page / "expected.html").read_bytes()).text_content())
        meta_file = page / "expected-metadata.json"
        meta = json.loads(meta_file.read_text()) if meta_file.exists() else {}
        found.append((page.name, page / "source.html", want, meta))
    return found


def main() -> None:
    pages = reference_pages(Path(sys.argv[1]))
    # --off RULE adds a row for textclean with that ExtractConfig switch off.
    off = sys.argv[sys.argv.index("--off") + 1] if "--off" in sys.argv else None
    configs = {"textclean": ExtractConfig()} | (
        {f"without {off}": ExtractConfig(**{off: False})} if off else {})
    totals = {name: {"tp": 0, "got": 0, "want": 0, "empty": 0, "titles": 0, "dates": 0,
                     "seconds": 0.0} for name in ("trafilatura alone", *configs)}
    titled = dated = 0
    for name, source, want, meta in pages:
        html = source.read_text(encoding="utf-8", errors="replace")
        titled += bool(meta.get("title"))
        dated += bool(meta.get("publishedTime"))
        for name in totals:
            start = time.perf_counter()
            if name in configs:
                result = extract_html(html, config=configs[name])
                text, title, date = ("", None, None) if isinstance(result, Rejection) else (
                    result.text, result.title, result.published)
            else:
                doc = trafilatura.bare_extraction(html, include_comments=False,
                                                  with_metadata=True)
                text, title, date = (doc.text or "", doc.title, doc.date) if doc else (
                    "", None, None)
            row = totals[name]
            row["seconds"] += time.perf_counter() - start
            got = words(text)
            row["tp"] += sum((got & want).values())
            row["got"] += sum(got.values())
            row["want"] += sum(want.values())
            row["empty"] += not text.strip()
            row["titles"] += bool(meta.get("title")) and same(title, meta["title"])
            row["dates"] += bool(meta.get("publishedTime")) and bool(date) and str(
                date)[:10] == meta["publishedTime"][:10]
            if "-v" in sys.argv and name == "textclean" and meta.get("title") and not same(
                    title, meta["title"]):
                print(f"  title {name}: {title!r} want {meta['title']!r}")
    print(f"{len(pages)} pages, {titled} with a title, {dated} with a published date")
    for name, row in totals.items():
        p, r = row["tp"] / max(1, row["got"]), row["tp"] / max(1, row["want"])
        print(f"{name:26} precision {p:.4f} recall {r:.4f} f1 {2 * p * r / max(1e-9, p + r):.4f}"
              f"  empty {row['empty']}  titles {row['titles']}/{titled}"
              f"  dates {row['dates']}/{dated}  {1000 * row['seconds'] / len(pages):.0f} ms/page")


if __name__ == "__main__":
    main()
