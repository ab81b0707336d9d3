"""Site templates over a run and over earlier runs into the same output.

A short line that stands in many articles of one site is the site's template, removed
with reason `site_template` (`cleaners.templates` holds the pure rules). The site is
the URL's host when a document has one (a JSON Lines `url`, an HTML page's canonical or
og:url), else the input folder.

Three steps, each owning the files it writes:

1. `stage` (per batch, in `flows.batch.clean_files`): each candidate line's 64-bit key
   (`template_keys/`) and each document's article identity and body sketch
   (`articles/`), so that `decide` never reads text.
2. `decide` (once per run, in `flows.decide`): documents of one site that are copies of
   one article (near-identical bodies) become one article; the distinct articles of
   each line, and of each pair of lines one after the other, are counted per site, this
   run's added to what the output's state remembers; a line whose pair with a
   neighbour is in enough of its site's articles, or that is in enough of them alone
   and stands in a page's head or tail, is a template line
   (`cleaners.templates.template_positions`).
3. The new state is written into the new version (`site_templates/`, see
   docs/schema.md): the next run over the same output counts on from it, so a new page
   of a known site loses the known template lines even when it comes alone.

The state is bounded: per site and line it keeps the smallest article ids only
(`remembered_articles`, a "k minimum values" sketch: counts are exact below it and
estimated above it, and merging sketches never counts one article twice), and per
site the `remembered_lines` lines found in most articles.

Known limit: rows carried unchanged by an incremental run keep the decisions made when
they were cleaned; a line that becomes a template later is removed from new and changed
files only (`--full` applies it everywhere).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cleaners.boilerplate import template_key
from cleaners.dedup.tables import ranges
from cleaners.templates import (
    END,
    START,
    Article,
    TemplateConfig,
    article_of,
    estimate_count,
    is_candidate,
    line_hash,
    line_key,
    pair_key,
    same_articles,
    template_floor,
    template_positions,
)
from flows import staging, storage
from flows.staging import ARTICLES, ARTICLES_SCHEMA, TEMPLATE_KEYS, TEMPLATE_KEYS_SCHEMA, Documents

STATE = "site_templates"
_DESCRIPTION = b"description"
STATE_SCHEMA = pa.schema([
    pa.field("site", pa.string(), nullable=False, metadata={
        _DESCRIPTION: "'site:' and the URL's host (no www.), or 'folder:' and the input "
                      "folder relative to INPUT"}),
    pa.field("key_hash", pa.uint64(), metadata={
        _DESCRIPTION: "64-bit blake2b of a line alone or of two lines one after the other "
                      "(cleaners.templates line_key, pair_key: case, punctuation, digit runs "
                      "folded); null on the row that counts the site's articles"}),
    pa.field("articles", pa.list_(pa.uint64()), nullable=False, metadata={
        _DESCRIPTION: "ascending ids of the distinct articles the line (or the site) stood "
                      "in, the smallest `remembered_articles` only: exact count below that, "
                      "estimated above it"}),
])


def stage(stage_dir: Path, batch_no: int, paragraphs: Sequence[Mapping[str, Any]],
          config: TemplateConfig) -> None:
    """Write one batch's template keys and article rows."""
    by_doc: dict[str, list[str]] = defaultdict(list)
    lines_of: dict[str, list[int]] = defaultdict(list)
    for p in paragraphs:
        # Staged paragraphs come in document order, positions 0, 1, 2, ...
        by_doc[p["doc_id"]].append(p["text"])
        lines_of[p["doc_id"]].append(p["line"])
    # Columns, not a dict per row: three rows per short line add up on a big batch.
    doc_ids: list[str] = []
    positions: list[int] = []
    lines: list[int] = []
    with_neighbour: list[bool] = []
    hashes: list[int] = []
    articles: list[dict[str, Any]] = []
    for doc_id, texts in by_doc.items():
        words = [text.split() for text in texts]
        candidate = [is_candidate(text, config, len(parts))
                     for text, parts in zip(texts, words, strict=True)]
        # Keys of the candidates and of their neighbours only: the long lines between
        # them cost most to fold (the key of every line was 3.5% of a worker's CPU).
        last = len(texts) - 1
        folded = [template_key(text) if candidate[p] or (p > 0 and candidate[p - 1])
                  or (p < last and candidate[p + 1]) else ""
                  for p, text in enumerate(texts)]
        for position, key in enumerate(folded):
            if not key or not candidate[position]:
                continue
            before = folded[position - 1] if position else START
            after = folded[position + 1] if position + 1 < len(texts) else END
            doc_ids += (doc_id, doc_id, doc_id)
            positions += (position, position, position)
            lines += (lines_of[doc_id][position],) * 3
            with_neighbour += (False, True, True)
            hashes += (line_key(key), pair_key(before, key), pair_key(key, after))
        article = article_of(texts, config, words)
        articles.append({"doc_id": doc_id, "identity": article.identity,
                         "sketch": list(article.sketch), "paragraphs": len(texts)})
    keys = pa.table({"doc_id": pa.array(doc_ids, pa.string()),
                     "position": pa.array(positions, pa.int32()),
                     "line": pa.array(lines, pa.int32()),
                     "with_neighbour": pa.array(with_neighbour, pa.bool_()),
                     "key_hash": pa.array(hashes, pa.uint64())}, schema=TEMPLATE_KEYS_SCHEMA)
    staging.write(stage_dir, batch_no, TEMPLATE_KEYS, keys, TEMPLATE_KEYS_SCHEMA)
    staging.write(stage_dir, batch_no, ARTICLES, articles, ARTICLES_SCHEMA)


def decide(stage_dir: Path, batches: int, docs: Documents, config: TemplateConfig,
           previous: Path | None, version: Path
           ) -> tuple[dict[tuple[str, int], str], dict[str, set[tuple[str, int]]]]:
    """The run's template lines, `(doc_id, line) -> rule`, and a few of them
    per site (for the report); writes the output's new state into `version`."""
    number_of = {name: n for n, name in enumerate(docs.groups)}
    stored = _read_state(previous)
    # Sites of the state that this run has no document of keep their rows.
    stored_group = np.fromiter((number_of.setdefault(s, len(number_of))
                                for s in stored["site"].to_pylist()), np.int64, stored.num_rows)
    names = sorted(number_of, key=number_of.__getitem__)

    article, paragraphs = _articles(stage_dir, batches, docs, config)
    keys = staging.read_all(stage_dir, batches, TEMPLATE_KEYS, TEMPLATE_KEYS_SCHEMA)
    # Document numbers computed in Arrow: a run stages three rows per short line, and a
    # Python string per row would cost more memory than the rest of this step.
    doc_no = pc.index_in(keys["doc_id"], value_set=pa.array(docs.ids, pa.string())
                         ).to_numpy(zero_copy_only=False).astype(np.int64)
    group_of = np.asarray(docs.group_of, np.int64)
    run_group, run_key = group_of[doc_no], keys["key_hash"].to_numpy().astype(np.uint64)

    # The site rows (null key) and line rows of the state, as (group, key, article).
    is_site = stored["key_hash"].is_null().to_numpy(zero_copy_only=False)
    lengths = pc.list_value_length(stored["articles"]).to_numpy(zero_copy_only=False)
    stored_articles = pc.list_flatten(stored["articles"]).to_numpy().astype(np.uint64)
    stored_rows = np.repeat(np.arange(stored.num_rows), lengths)
    stored_keys = stored["key_hash"].fill_null(0).to_numpy().astype(np.uint64)
    k = config.remembered_articles

    in_site = is_site[stored_rows]
    sites = _bottom_k(
        np.concatenate([group_of, stored_group[stored_rows[in_site]]]),
        np.zeros(len(group_of) + int(in_site.sum()), np.uint64),
        np.concatenate([article, stored_articles[in_site]]), k)
    site_articles = np.zeros(len(names), np.int64)
    site_articles[sites.group] = sites.count

    lines = _bottom_k(
        np.concatenate([run_group, stored_group[stored_rows[~in_site]]]),
        np.concatenate([run_key, stored_keys[stored_rows[~in_site]]]),
        np.concatenate([article[doc_no], stored_articles[~in_site]]), k)

    size = site_articles[lines.group]
    floors = np.array([template_floor(int(n), config) for n in site_articles.tolist()])
    template = lines.count >= floors[lines.group] if len(floors) else lines.count < 0
    chosen = {(g, key): (n, s) for g, key, n, s in zip(
        lines.group[template].tolist(), lines.key[template].tolist(),
        lines.count[template].tolist(), size[template].tolist(), strict=True)}

    _write_state(version, names, sites, lines, config)

    # Which staged rows recur enough, per document and position; then which of those
    # lines are template lines (`template_positions`).
    hits: dict[int, tuple[set[int], set[int]]] = defaultdict(lambda: (set(), set()))
    evidence: dict[tuple[int, int], tuple[bool, int, int]] = {}
    line_at: dict[tuple[int, int], int] = {}
    # Only rows whose key is template somewhere are looked at one by one (a few %).
    maybe = np.flatnonzero(np.isin(run_key, lines.key[template]))
    for doc, position, line, with_neighbour, group, key in zip(
            doc_no[maybe].tolist(), keys["position"].to_numpy()[maybe].tolist(),
            keys["line"].to_numpy()[maybe].tolist(),
            keys["with_neighbour"].to_numpy(zero_copy_only=False)[maybe].tolist(),
            run_group[maybe].tolist(), run_key[maybe].tolist(), strict=True):
        found = chosen.get((group, key))
        if found is None:
            continue
        hits[doc][0 if with_neighbour else 1].add(position)
        line_at[(doc, position)] = line
        best = evidence.get((doc, position))
        if best is None or (with_neighbour, found[0]) > best[:2]:
            evidence[(doc, position)] = (with_neighbour, *found)
    decided: dict[tuple[str, int], str] = {}
    examples: dict[str, set[tuple[str, int]]] = defaultdict(set)
    for number, (with_neighbour, alone) in hits.items():
        doc, site = docs.ids[number], names[docs.group_of[number]]
        for position in sorted(template_positions(paragraphs.get(doc, 0), with_neighbour,
                                                  alone)):
            paired, n, s = evidence[(number, position)]
            where = "with_its_neighbours" if paired else "at_the_page_edge"
            line = line_at[(number, position)]
            decided[(doc, line)] = f"recurs_{where}_in_{n}_of_{s}_articles"
            if len(examples[site]) < 20:
                examples[site].add((doc, line))
    return decided, dict(examples)


class _Sketches:
    """Per (group, key): the smallest distinct article ids (`values[offsets[i]:
    offsets[i + 1]]`) and the distinct articles they count."""

    def __init__(self, group: np.ndarray, key: np.ndarray, offsets: np.ndarray,
                 values: np.ndarray, count: np.ndarray) -> None:
        self.group, self.key, self.offsets, self.values, self.count = (
            group, key, offsets, values, count)


def _bottom_k(group: np.ndarray, key: np.ndarray, article: np.ndarray, k: int) -> _Sketches:
    """The union of (group, key, article) rows as one bottom-`k` sketch per (group, key):
    an article that stands several times (two copies, or this run and the state) counts
    once, and merging with an earlier sketch is exact (the smallest ids of a union are
    among the smallest of its parts)."""
    order = np.lexsort((article, key, group))
    g, kk, a = group[order], key[order], article[order]
    new = np.ones(len(g), bool)
    new[1:] = (g[1:] != g[:-1]) | (kk[1:] != kk[:-1]) | (a[1:] != a[:-1])
    g, kk, a = g[new], kk[new], a[new]
    first = np.ones(len(g), bool)
    first[1:] = (g[1:] != g[:-1]) | (kk[1:] != kk[:-1])
    starts = np.flatnonzero(first)
    lengths = np.diff(np.append(starts, len(g)))
    rank = np.arange(len(g)) - np.repeat(starts, lengths)
    kept = rank < k
    offsets = np.concatenate(([0], np.cumsum(np.minimum(lengths, k))))
    values = a[kept]
    count = lengths.astype(np.int64)
    # Only sketches that kept `k` ids are estimates (a site's template lines, mostly).
    for i in np.flatnonzero(lengths >= k).tolist():
        count[i] = estimate_count(values[offsets[i]:offsets[i + 1]].tolist(), k)
    return _Sketches(g[starts], kk[starts], offsets, values, count)


def _articles(stage_dir: Path, batches: int, docs: Documents, config: TemplateConfig
              ) -> tuple[np.ndarray, dict[str, int]]:
    """Each document's article id (by document number): copies of one article in one
    site share the id, taken in the run's canonical order; and each document's number
    of staged paragraphs.

    Only documents with a sketch entry that another document of their site holds can be
    copies (`same_articles`): the others keep their own identity, and each site's linked
    documents are compared in canonical order, on their shared entries (the others had
    cost a Python object each, 0.3 s at 125k documents; walking every entry of every
    document, `decide` took 1.25 s of a 100k-document run, 0.56 s so; issue 20)."""
    table = staging.read_all(stage_dir, batches, ARTICLES, ARTICLES_SCHEMA)
    doc_ids = table["doc_id"].to_pylist()
    paragraphs = dict(zip(doc_ids, table["paragraphs"].to_pylist(), strict=True))
    count = len(docs.ids)
    # A document's staged row, by document number (the last, were a document staged
    # twice); a document without paragraphs has none.
    row_of = np.full(count, -1, np.int64)
    number = pc.index_in(table["doc_id"], value_set=pa.array(docs.ids, pa.string())
                         ).to_numpy(zero_copy_only=False)
    staged = ~np.isnan(number) if number.dtype.kind == "f" else np.ones(len(number), bool)
    row_of[number[staged].astype(np.int64)] = np.flatnonzero(staged)
    ids = np.zeros(count, np.uint64)
    has_row = row_of >= 0
    ids[has_row] = table["identity"].to_numpy()[row_of[has_row]]
    # A document without paragraphs is its own article (its id's hash, made only then:
    # one hash a document was 0.1 s at 10k).
    for n in np.flatnonzero(~has_row).tolist():
        ids[n] = line_hash(docs.ids[n])
    lengths = pc.list_value_length(table["sketch"]).to_numpy(zero_copy_only=False)
    sketched = np.zeros(count, bool)
    sketched[has_row] = lengths[row_of[has_row]] > 0
    if not sketched.any():
        return ids, paragraphs
    group = np.asarray(docs.group_of, np.int64)
    # Each sketched document's entries (by document number, in sketch order), and which
    # of them another document of its site holds too: only those can link two articles
    # (`same_articles`' `links`). A (site, entry) pair is one 64-bit key; keys of two
    # sites that collide only mark an entry shared that is not, which links nothing.
    values = pc.list_flatten(table["sketch"]).to_numpy().astype(np.uint64)
    starts = np.r_[0, np.cumsum(lengths)].astype(np.int64)
    docs_sketched = np.flatnonzero(sketched)
    rows = row_of[docs_sketched]
    counts = lengths[rows].astype(np.int64)
    owner = np.repeat(docs_sketched, counts)
    entries = values[ranges(starts[rows], counts)]
    key = entries ^ (group[owner].astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15))
    by_key = np.argsort(key)
    same = key[by_key][1:] == key[by_key][:-1]
    shared = np.zeros(len(key), bool)
    shared[by_key[1:][same]] = True
    shared[by_key[:-1][same]] = True
    linked = np.zeros(count, bool)
    linked[owner[shared]] = True
    if not linked.any():
        return ids, paragraphs
    # Per linked document: its whole sketch and its shared entries, as Python ints.
    sketch_of = {int(n): values[starts[row_of[n]]:starts[row_of[n] + 1]].tolist()
                 for n in np.flatnonzero(linked)}
    shared_of: dict[int, list[int]] = {}
    for doc, entry in zip(owner[shared].tolist(), entries[shared].tolist(), strict=True):
        shared_of.setdefault(doc, []).append(entry)
    order = np.lexsort((docs.ranks, group))
    order = order[linked[order]]
    edges = np.flatnonzero(np.diff(group[order])) + 1
    for members in np.split(order, edges):
        numbers = members.tolist()
        articles = [Article(int(ids[n]), tuple(sketch_of[n])) for n in numbers]
        ids[members] = same_articles(articles, config,
                                     links=[shared_of[n] for n in numbers])
    return ids, paragraphs


def _read_state(previous: Path | None) -> pa.Table:
    if previous is None:
        return STATE_SCHEMA.empty_table()
    table = storage.read_table(previous / STATE)
    return table.cast(STATE_SCHEMA) if table.num_rows else STATE_SCHEMA.empty_table()


def _write_state(version: Path, names: list[str], sites: _Sketches, lines: _Sketches,
                 config: TemplateConfig) -> None:
    """The state for the next run: each site's row, then its lines in most articles
    first, at most `remembered_lines` of them (a line of a site without a site row is
    not written). Built as columns: a dict a row took 0.2 s at 10k documents."""
    order = np.lexsort((lines.key, -lines.count, lines.group))
    g = lines.group[order]
    first = np.ones(len(g), bool)
    first[1:] = g[1:] != g[:-1]
    starts = np.flatnonzero(first)
    rank = np.arange(len(g)) - np.repeat(starts, np.diff(np.append(starts, len(g))))
    order = order[rank < config.remembered_lines]
    order = order[np.isin(lines.group[order], sites.group)]
    # Site rows, then line rows; sorted by site (groups are unique among site rows),
    # the site's row first, its lines in `order`.
    group = np.concatenate([sites.group, lines.group[order]]).astype(np.int64)
    is_line = np.arange(len(group)) >= len(sites.group)
    rows = np.lexsort((np.arange(len(group)), is_line, group))
    values = np.concatenate([sites.values, lines.values]).astype(np.uint64)
    start = np.concatenate([sites.offsets[:-1], len(sites.values) + lines.offsets[order]])
    end = np.concatenate([sites.offsets[1:], len(sites.values) + lines.offsets[order + 1]])
    start, length = start[rows].astype(np.int64), (end - start)[rows].astype(np.int64)
    offsets = np.zeros(len(rows) + 1, np.int64)
    np.cumsum(length, out=offsets[1:])
    take = ranges(start, length)
    keys = np.concatenate([np.zeros(len(sites.group), np.uint64),
                           lines.key[order].astype(np.uint64)])[rows]
    table = pa.Table.from_arrays([
        pa.array(names, pa.string()).take(pa.array(group[rows])),
        pa.array(keys, pa.uint64(), mask=~is_line[rows]),
        pa.ListArray.from_arrays(pa.array(offsets.astype(np.int32)),
                                 pa.array(values[take], pa.uint64())),
    ], schema=STATE_SCHEMA)
    storage.write_part(version / STATE, "part-00000.parquet", table, STATE_SCHEMA)


def texts_of(stage_dir: Path, batches: int, refs: set[tuple[str, int]]) -> set[str]:
    """The text of a few staged paragraphs, by (doc_id, line), for the run's report."""
    doc_ids = pa.array(sorted({doc for doc, _ in refs}))
    texts = set()
    for batch_no in range(batches):
        table = staging.read(stage_dir, batch_no, staging.PARAGRAPHS, ["doc_id", "line", "text"])
        if not table.num_rows:
            continue
        table = table.filter(pc.is_in(table["doc_id"], value_set=doc_ids))
        for row in table.to_pylist():
            if (row["doc_id"], row["line"]) in refs:
                texts.add(row["text"])
    return texts


def state_markdown() -> str:
    """docs/schema.md's section on the state, generated from `STATE_SCHEMA`."""
    lines = [f"### `OUT/_textclean/versions/<run_id>/{STATE}/part-00000.parquet`", "",
             "| column | type | null | meaning |", "|---|---|---|---|"]
    for f in STATE_SCHEMA:
        doc = (f.metadata or {}).get(_DESCRIPTION, b"").decode()
        lines.append(f"| `{f.name}` | {f.type} | {'yes' if f.nullable else 'no'} | {doc} |")
    return "\n".join(lines) + "\n"


def update_schema_doc(path: Path) -> None:
    """Rewrite docs/schema.md's generated section on the state
    (`python -m flows.site_templates`)."""
    text = path.read_text(encoding="utf-8")
    head, rest = text.split("<!-- site-templates:begin -->\n", 1)
    _, tail = rest.split("<!-- site-templates:end -->", 1)
    path.write_text(f"{head}<!-- site-templates:begin -->\n{state_markdown()}"
                    f"<!-- site-templates:end -->{tail}", encoding="utf-8")


if __name__ == "__main__":
    update_schema_doc(Path(__file__).resolve().parents[1] / "docs" / "schema.md")
