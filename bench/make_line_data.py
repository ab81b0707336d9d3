"""Turn Mozilla Readability's test pages into boilerplate-labelled lines for the line model.

Source: https://github.com/mozilla/readability (Apache-2.0), `test/test-pages/<name>/`:
`source.html` is a saved web page and `expected.html` the article Readability's
maintainers keep as its content. The snapshot read is the one `fetch` brought in
(commit named in each row's `source`).

Each page becomes what `boiler_lines` holds: the page's text as a plain-text dump sees it
(every block element of the body its own line: menus, footers and all), each line
labelled from the gold:
- content (1) when the line is one of the expected article's own lines, or a long
  (`LONG` characters) stretch of its text;
- boilerplate (0) when no part of the expected text holds it;
- content (1), to be safe, when a short line stands inside the expected text without
  being one of its lines ("Home" inside a sentence): a wrong "content" only makes the
  model keep more;
- content (1) when it is the article's title (`expected-metadata.json`): Readability
  gives the title apart from the article, a plain-text dump keeps it as a line.
Pages of fewer than `MIN_LINES` lines, `MIN_CONTENT` content lines or all but content (the synthetic
unit-test pages) are left out, and each page is cut to its first `MAX_LINES` lines and
each line to `MAX_CHARS` characters, so the stored file stays small. A page's language is
langdetect's guess over its content lines (seeded, so the file is the same each time):
`<html lang>` is often the site's default, not the page's.

    .venv/bin/python bench/make_line_data.py /work/.mirror/mozilla+readability/repo

writes `bench/data/readability_lines.jsonl` (one page a row: source, language, licence,
lines, labels; see bench/data/SOURCES.md).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

import lxml.html
from langdetect import DetectorFactory, detect
from langdetect.lang_detect_exception import LangDetectException

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "data" / "readability_lines.jsonl"
PAGES = "test/test-pages"
LICENCE = "Apache-2.0 (mozilla/readability)"
MIN_LINES = 30
MIN_CONTENT = 5
#: Pages at least this much content teach nothing about boilerplate (the unit-test pages).
MAX_CONTENT_SHARE = 0.95
MAX_LINES = 300
MAX_CHARS = 500
LONG = 40
#: Elements whose text is not shown (or not text).
HIDDEN = frozenset({"script", "style", "noscript", "template", "svg", "iframe", "head",
                    "object", "embed", "canvas", "select", "math"})
#: Elements that start a new line of the dump.
BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "body", "br", "caption", "dd", "details",
    "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2",
    "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "option", "p", "pre",
    "section", "summary", "table", "td", "th", "tr", "ul", "button", "label", "legend"})
_SPACE = re.compile(r"\s+")


def _clean(text: str) -> str:
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def block_lines(html: str) -> list[str]:
    """The page's visible text, one line per block element (a plain-text dump)."""
    try:
        tree = lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return []
    parts: list[str] = []

    def walk(element: lxml.html.HtmlElement) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in HIDDEN:
            return
        block = tag in BLOCKS
        if block:
            parts.append("\n")
        if tag and element.text:
            parts.append(element.text)
        for child in element:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if block:
            parts.append("\n")

    walk(tree)
    return [line for line in (_clean(raw) for raw in "".join(parts).split("\n")) if line]


def labelled(source: str, expected: str, title: str) -> tuple[list[str], list[int]]:
    """The dump's lines of `source` and their labels from the `expected` article."""
    gold = block_lines(expected)
    own, whole = {*gold, _clean(title)}, " ".join(gold)
    lines = block_lines(source)[:MAX_LINES]
    labels = [int(line in own or line in whole) for line in lines]
    return [line[:MAX_CHARS] for line in lines], labels


def language(lines: list[str], labels: list[int]) -> str:
    DetectorFactory.seed = 0
    text = " ".join(line for line, label in zip(lines, labels, strict=True) if label)
    try:
        return str(detect(text[:5000]))
    except LangDetectException:
        return "und"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", f"--git-dir={repo}", *args], check=True,
                          capture_output=True, text=True).stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", type=Path, help="git directory of a mozilla/readability snapshot")
    args = parser.parse_args()
    commit = git(args.repo, "rev-parse", "HEAD").strip()
    names = git(args.repo, "ls-tree", "--name-only", f"HEAD:{PAGES}").split()
    rows: list[dict[str, Any]] = []
    for name in sorted(names):
        try:
            source = git(args.repo, "show", f"HEAD:{PAGES}/{name}/source.html")
            expected = git(args.repo, "show", f"HEAD:{PAGES}/{name}/expected.html")
        except subprocess.CalledProcessError:
            continue
        try:
            meta = json.loads(git(args.repo, "show", f"HEAD:{PAGES}/{name}/expected-metadata.json"))
        except (subprocess.CalledProcessError, json.JSONDecodeError):
            meta = {}
        lines, labels = labelled(source, expected, str(meta.get("title") or ""))
        if (len(lines) < MIN_LINES or sum(labels) < MIN_CONTENT
                or sum(labels) >= MAX_CONTENT_SHARE * len(labels)):
            continue
        rows.append({"source": f"mozilla/readability@{commit[:12]}:{PAGES}/{name}",
                     "language": language(lines, labels), "licence": LICENCE,
                     "lines": lines, "labels": labels})
    with open(OUT, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["language"]] = counts.get(row["language"], 0) + 1
    print(json.dumps({"pages": len(rows), "lines": sum(len(r["lines"]) for r in rows),
                      "content": sum(sum(r["labels"]) for r in rows), "languages": counts,
                      "bytes": OUT.stat().st_size}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
