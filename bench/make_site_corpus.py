"""Build the site-template corpus: many real pages per site, every line labelled.

    .venv/bin/python bench/make_site_corpus.py [--rust-docs DIR] [--readability GIT_DIR]

writes `tests/data/site_pages.jsonl.gz`: one JSON object per page with `site`, `page`,
`url` (or null), `lines` (the page's text as a scraper that keeps every visible line
gets it) and `labels` (one per line). Two sources, both rendered pages:

- The books of the Rust documentation as rustup installs them (`rust-docs` component;
  MIT OR Apache-2.0; pages rendered by mdBook, MPL-2.0 templates): each book is a site
  without URL, its pages are files of one folder. The sidebar's table of contents,
  which the browser loads from the book's `toc.html`, is put back in its place.
- Pages of three sites among mozilla/readability's test pages (Apache-2.0 repository;
  the page text belongs to its publishers and is used here, as there, as a test
  fixture): en.wikipedia.org, medium.com, nytimes.com, as JSON Lines records with
  their canonical URL.

The labelling rule, fixed before any measurement:
- `content`: the line comes from the page's main text: inside `<main>` (mdBook), or it
  stands in readability's hand-checked `expected.html` of the page.
- `template`: not content, and the same line (spacing and case folded) stands in at
  least half of the site's pages here, and in at least three: what the site's template
  prints on every page.
- `chrome`: the rest (page-specific navigation, related links): not scored.
Content is cut to the first `CONTENT_LINES` lines of each page to keep the file small.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import lxml.html

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "data" / "site_pages.jsonl.gz"
RUST_DOCS = Path.home() / ".rustup/toolchains/stable-x86_64-unknown-linux-gnu/share/doc/rust/html"
READABILITY = Path("/work/.mirror/mozilla+readability/repo")
BOOKS = ("book", "reference", "nomicon", "edition-guide", "cargo", "embedded-book", "rustc",
         "style-guide")
PAGES_PER_BOOK = 10
READABILITY_SITES = {
    "en.wikipedia.org": ("wikipedia", "wikipedia-2", "wikipedia-3"),
    "medium.com": ("medium-1", "medium-2", "medium-3"),
    "nytimes.com": ("nytimes-1", "nytimes-2", "nytimes-3", "nytimes-4"),
}
CONTENT_LINES = 30

SKIP = {"script", "style", "noscript", "template", "svg", "head", "title", "iframe", "button"}
BLOCK = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "dt", "dd",
         "td", "th", "tr", "table", "ul", "ol", "section", "header", "footer", "nav", "main",
         "article", "aside", "figure", "figcaption", "form", "details", "summary", "hr",
         "body", "address", "fieldset", "legend", "caption", "menu", "label", "option"}


def page_lines(root: Any, content: Any | None) -> list[tuple[str, bool]]:
    """The visible lines of a page, each with whether it comes from inside `content`."""
    out: list[tuple[str, bool]] = []
    buffer: list[tuple[str, bool]] = []

    def flush() -> None:
        text = " ".join("".join(t for t, _ in buffer).split())
        if text:
            out.append((text, any(flag for _, flag in buffer)))
        buffer.clear()

    def walk(el: Any, inside: bool) -> None:
        inside = inside or el is content
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in SKIP or not tag:
            return
        if tag == "br":
            flush()
            return
        if tag == "pre":
            flush()
            for line in el.text_content().splitlines():
                if line.strip():
                    out.append((" ".join(line.split()), inside))
            return
        block = tag in BLOCK
        if block:
            flush()
        if el.text:
            buffer.append((el.text, inside))
        for child in el:
            walk(child, inside)
            if child.tail:
                buffer.append((child.tail, inside))
        if block:
            flush()

    walk(root, False)
    flush()
    return out


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def rust_pages(docs: Path) -> list[dict[str, Any]]:
    pages = []
    for book in BOOKS:
        folder = docs / book
        toc = lxml.html.fromstring((folder / "toc.html").read_text(encoding="utf-8"))
        toc_body = toc.find("body") if toc.find("body") is not None else toc
        candidates = []
        for path in sorted(folder.rglob("*.html")):
            if path.name in {"toc.html", "print.html", "404.html", "index.html", "SUMMARY.html"}:
                continue
            root = lxml.html.fromstring(path.read_text(encoding="utf-8"))
            main = root.find(".//main")
            box = root.find(".//mdbook-sidebar-scrollbox")
            if main is None or box is None or len(page_lines(main, main)) < 8:
                continue
            for child in list(toc_body):
                box.append(child.__copy__())
            candidates.append((path.relative_to(folder).as_posix(), root, main))
        step = max(1, len(candidates) // PAGES_PER_BOOK)
        for name, root, main in candidates[::step][:PAGES_PER_BOOK]:
            pages.append({"site": book, "page": name, "url": None,
                          "lines": page_lines(root.find("body"), main)})
    return pages


def readability_pages(repo: Path) -> list[dict[str, Any]]:
    pages = []
    for site, names in READABILITY_SITES.items():
        for name in names:
            def show(file: str, name: str = name) -> bytes:
                return subprocess.run(["git", "-C", str(repo), "show",
                                       f"HEAD:test/test-pages/{name}/{file}"],
                                      check=True, capture_output=True).stdout
            root = lxml.html.fromstring(show("source.html").decode("utf-8", "replace"))
            expected = lxml.html.fromstring(show("expected.html").decode("utf-8", "replace"))
            text = f" {_fold(' '.join(t for t, _ in page_lines(expected, expected)))} "
            url = (root.xpath("//link[@rel='canonical']/@href")
                   or root.xpath("//meta[@property='og:url']/@content") or [None])[0]
            body = root.find("body") if root.find("body") is not None else root
            lines = [(line, f" {_fold(line)} " in text)
                     for line, _ in page_lines(body, None)]
            pages.append({"site": site, "page": f"{name}.html", "url": url, "lines": lines})
    return pages


def label(pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Apply the module's labelling rule, and cut content to `CONTENT_LINES` a page."""
    per_site = Counter(p["site"] for p in pages)
    in_pages: Counter[tuple[str, str]] = Counter()
    for p in pages:
        in_pages.update({(p["site"], _fold(line)) for line, content in p["lines"]
                         if not content})
    rows = []
    for p in pages:
        floor = max(3, per_site[p["site"]] / 2)
        lines, labels, kept = [], [], 0
        for line, content in p["lines"]:
            if content:
                kept += 1
                if kept > CONTENT_LINES:
                    continue
                kind = "content"
            else:
                kind = "template" if in_pages[(p["site"], _fold(line))] >= floor else "chrome"
            lines.append(line)
            labels.append(kind)
        rows.append({"site": p["site"], "page": p["page"], "url": p["url"], "lines": lines,
                     "labels": labels})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rust-docs", type=Path, default=RUST_DOCS)
    parser.add_argument("--readability", type=Path, default=READABILITY)
    parser.add_argument("--output", type=Path, default=OUT)
    args = parser.parse_args()
    rows = label(rust_pages(args.rust_docs) + readability_pages(args.readability))
    with gzip.open(args.output, "wt", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    counts = Counter(label for row in rows for label in row["labels"])
    print(f"{len(rows)} pages of {len({r['site'] for r in rows})} sites: {dict(counts)}")


if __name__ == "__main__":
    main()
