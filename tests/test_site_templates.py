"""Site templates: lines recurring across many articles of a site are removed, in a run
and across runs over the same output; copies of one article are one article.

The stages run without Prefect (clean_files, decide, finalize_batch), as in
tests/test_decide.py; `bench/eval_site_templates.py` measures the same through the CLI.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners.templates import (
    Article,
    TemplateConfig,
    article_of,
    estimate_count,
    same_articles,
    sketch_similarity,
    template_positions,
)
from flows import decide as decide_module
from flows import site_templates, storage
from flows.batch import clean_files
from flows.finalize import finalize_batch
from flows.inputs import discover
from flows.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
CORPUS = ROOT / "tests" / "data" / "site_pages.jsonl.gz"
# Chrome of a French news site and of an Austrian bookshop, lines that no lexicon knows:
# only their recurring makes them template.
FOOTER = ["Sputnik France, l\u2019info qui dit ce que les autres taisent",
          "Rubriques International Défense Société Sport",
          "Édition de Paris, rédaction du soir"]
SHOP = ["Wir liefern in alle Länder der Europäischen Union", "Unsere Filialen in Wien und Graz",
        "Bücher, Spiele und Geschenke seit 1998"]


def _seed(n: int) -> str:
    return SEEDS[n].read_text(encoding="utf-8").rstrip()


def _headline(n: int) -> str:
    return _seed(n).split("\n", 1)[0]


def _page(body: str, chrome: list[str]) -> str:
    # The first line on top, the others as a block after the lead, where a template's
    # banner and its teasers stand in scraped text.
    paragraphs = body.split("\n\n")
    return "\n\n".join([*chrome[:1], *paragraphs[:2], *chrome[1:], *paragraphs[2:]]) + "\n"


def _run(source: Path, work: Path, name: str, previous: Path | None = None,
         config: Settings | None = None, dedup: bool = True) -> dict[str, Any]:
    """One run's stages over `source`; the version folder, its documents and removals."""
    files, _ = discover(source)
    settings_ = config or load_settings(None)
    stage, version = work / f"stage-{name}", work / f"version-{name}"
    clean_files(0, files, str(stage), settings_, name, dedup)
    decide_module.decide(str(stage), 1, settings_, dedup, str(previous) if previous else None,
                         str(version))
    finalize_batch(0, str(stage), str(version), name, datetime.now(UTC))
    documents = {d["source"] if d["record"] is None else f"{d['source']}#{d['record']}": d
                 for d in storage.read_rows(version / "documents")}
    return {"version": version, "documents": documents,
            "removed": storage.read_rows(version / "removed")}


def _site_templates(run: dict[str, Any]) -> Counter[str]:
    return Counter(r["text"] for r in run["removed"] if r["reason"] == "site_template")


# --- copies of one article (#16 finding 14b) ---------------------------------------------


def _changed_copy(body: str) -> str:
    # Scraped again later: a teaser line was added and the last paragraph is gone.
    paragraphs = body.split("\n\n")
    teaser = ("Lire aussi : les célébrations du 9 mai se tiendront sans public cette "
              "année sur la place Rouge, annonce le Kremlin")
    return "\n\n".join([*paragraphs[:2], teaser, *paragraphs[2:-1]])


# A short line of the article's own body: a candidate by length, content by meaning.
HEADING = "Des questions de l'agenda international"


def _sputnik(folder: Path, copies: list[str], others: list[int]) -> None:
    folder.mkdir(parents=True)
    for n, text in enumerate(copies):
        (folder / f"copy-{n}.txt").write_text(_page(text, FOOTER), encoding="utf-8")
    for n in others:
        (folder / f"other-{n}.txt").write_text(_page(_seed(n), FOOTER), encoding="utf-8")


@pytest.mark.parametrize(("seed", "line"), [(0, HEADING), (1, _headline(1))],
                         ids=["heading", "headline"])
@pytest.mark.parametrize("copy", [lambda body: body, _changed_copy],
                         ids=["identical", "scraped-again"])
@pytest.mark.parametrize("dedup", [True, False], ids=["dedup", "no-dedup"])
def test_an_article_scraped_three_times_keeps_its_lines(tmp_path: Path, copy: Any,
                                                        dedup: bool, seed: int,
                                                        line: str) -> None:
    body = _seed(seed)
    assert line in body.split("\n") and len(line.split()) <= TemplateConfig().max_words
    others = [n for n in range(3) if n != seed]
    _sputnik(tmp_path / "three" / "sputnik", [body, copy(body), copy(body)], others)
    _sputnik(tmp_path / "one" / "sputnik", [body], others)
    three = _run(tmp_path / "three", tmp_path, "three", dedup=dedup)
    one = _run(tmp_path / "one", tmp_path, "one", dedup=dedup)
    kept = three["documents"]["sputnik/copy-0.txt"]["text"]
    assert line in kept.split("\n"), "the kept copy keeps the line"
    assert line not in _site_templates(three)
    # The copies change nothing in the kept copy: it reads as the article scraped once.
    assert kept == one["documents"]["sputnik/copy-0.txt"]["text"]
    # The site's template still goes: three distinct articles carry it.
    assert set(_site_templates(three)) == set(FOOTER)
    assert all(not set(FOOTER) & set(d["text"].split("\n"))
               for d in three["documents"].values())


def test_the_same_line_in_four_articles_is_a_template(tmp_path: Path) -> None:
    # The control that makes the test above able to fail: the line stands in distinct
    # articles of the site, so it is the site's, not one article's.
    source = tmp_path / "in" / "sputnik"
    source.mkdir(parents=True)
    for n in range(1, 5):
        (source / f"article-{n}.txt").write_text(_page(_seed(n), [HEADING]),
                                                  encoding="utf-8")
    run = _run(tmp_path / "in", tmp_path, "control", dedup=False)
    # On top of four articles (its neighbour: the page's start), the line is their site's.
    assert _site_templates(run)[HEADING] == 4
    assert all(HEADING not in d["text"].split("\n") for d in run["documents"].values())
    rules = {r["rule"] for r in run["removed"] if r["reason"] == "site_template"}
    assert rules == {"recurs_with_its_neighbours_in_4_of_4_articles"}


# --- sites: URL host, else folder ---------------------------------------------------------

def test_the_site_is_the_url_host(tmp_path: Path) -> None:
    source = tmp_path / "in"
    source.mkdir()
    one_host = [{"url": f"https://www.shop.example.de/p/{n}", "text": _page(_seed(n), SHOP)}
                for n in range(4)]
    many_hosts = [{"url": f"https://shop{n}.example.at/p", "text": _page(_seed(n), SHOP)}
                  for n in range(4)]
    for name, records in (("one.jsonl", one_host), ("many.jsonl", many_hosts)):
        (source / name).write_text(
            "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n",
            encoding="utf-8")
    run = _run(source, tmp_path, "hosts", dedup=False)
    for n in range(1, 5):
        assert SHOP[1] not in run["documents"][f"one.jsonl#{n}"]["text"]
        # Four hosts in one file and folder: each host is its own site of one article.
        assert SHOP[1] in run["documents"][f"many.jsonl#{n}"]["text"].split("\n")


# --- across runs --------------------------------------------------------------------------

def _site(folder: Path, seeds: range, chrome: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for n in seeds:
        (folder / f"page-{n}.txt").write_text(_page(_seed(n), chrome), encoding="utf-8")


def test_a_second_run_removes_known_templates_from_a_new_page(tmp_path: Path) -> None:
    _site(tmp_path / "day1" / "sputnik", range(4), FOOTER)
    first = _run(tmp_path / "day1", tmp_path, "day1")
    assert set(FOOTER) <= set(_site_templates(first))

    new_page = tmp_path / "day2" / "sputnik" / "new.txt"
    new_page.parent.mkdir(parents=True)
    new_page.write_text(_page(_seed(4), FOOTER), encoding="utf-8")
    second = _run(tmp_path / "day2", tmp_path, "day2", previous=first["version"])
    assert set(_site_templates(second)) == set(FOOTER)
    assert _site_templates(second)[FOOTER[0]] == 1
    text = second["documents"]["sputnik/new.txt"]["text"]
    assert not set(FOOTER) & set(text.split("\n"))
    assert _headline(4) in text

    # Without the first run's state the single page has nothing to recur with.
    alone = _run(tmp_path / "day2", tmp_path, "alone")
    assert not _site_templates(alone)
    # A page of another site does not get this site's templates.
    other = tmp_path / "day3" / "ailleurs" / "page.txt"
    other.parent.mkdir(parents=True)
    other.write_text(_page(_seed(4), FOOTER), encoding="utf-8")
    third = _run(tmp_path / "day3", tmp_path, "day3", previous=second["version"])
    assert not _site_templates(third)


def _state(version: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = pq.read_table(
        version / site_templates.STATE / "part-00000.parquet").to_pylist()
    return rows


def test_state_is_bounded_and_a_rerun_counts_no_article_twice(tmp_path: Path) -> None:
    _site(tmp_path / "in" / "sputnik", range(5), FOOTER)
    _site(tmp_path / "in" / "shop", range(5), SHOP)
    config = replace(load_settings(None), templates=replace(
        TemplateConfig(), remembered_articles=3, remembered_lines=4))
    first = _run(tmp_path / "in", tmp_path, "first", config=config)
    state = _state(first["version"])
    per_site = Counter(r["site"] for r in state if r["key_hash"] is not None)
    assert per_site == {"folder:sputnik": 4, "folder:shop": 4}
    assert all(len(r["articles"]) <= 3 for r in state)
    assert all(r["articles"] == sorted(set(r["articles"])) for r in state)
    # The same pages again: the same articles, so the same state, not doubled counts.
    again = _run(tmp_path / "in", tmp_path, "again", previous=first["version"], config=config)
    assert _state(again["version"]) == state
    assert _site_templates(again) == _site_templates(first)
    # The lines kept are those in most articles: the footer is remembered.
    assert pq.read_schema(first["version"] / site_templates.STATE / "part-00000.parquet"
                          ).equals(site_templates.STATE_SCHEMA, check_metadata=False)


# --- the pure parts -----------------------------------------------------------------------

_BODY = ["Le conseil municipal a voté mardi la prolongation du service de bus de nuit "
         "jusqu\u2019à la fin du mois de mars.",
         "Die Stadtverwaltung teilte mit, dass die Brücke nach Abschluss der Prüfung der "
         "Stahlseile wieder geöffnet werde.",
         "El ayuntamiento aprobó el martes ampliar el servicio nocturno de autobuses hasta "
         "finales de marzo, según fuentes municipales."]
_LEGAL = ("Tous les contenus de ce site sont protégés par le droit d\u2019auteur et ne peuvent "
          "être reproduits sans autorisation écrite préalable")


@pytest.mark.parametrize(("a", "b", "same"), [
    (_BODY, _BODY, True),
    (["Accueil", *_BODY], ["Startseite", *_BODY, "Mentions légales"], True),
    (_BODY, [*_BODY[:2], "Eine ganz andere Nachricht über die Wahl im Landkreis und "
             "ihre Folgen für die Gemeinden"], True),
    ([_BODY[0], _LEGAL], [_BODY[1], _LEGAL], False),
    ([_BODY[0]], [_BODY[1]], False),
])
def test_same_article(a: list[str], b: list[str], same: bool) -> None:
    config = TemplateConfig()
    ids = same_articles([article_of(a, config), article_of(b, config)], config)
    assert (ids[0] == ids[1]) is same


@pytest.mark.parametrize(("paragraphs", "with_neighbour", "alone", "template"), [
    # A menu block on top and a footer block: their pairs recur.
    (8, {0, 1, 6, 7}, {0, 1, 6, 7}, {0, 1, 6, 7}),
    # A recurring heading amid the body ("Requirements" on every target's page): kept.
    (6, set(), {3}, set()),
    # A recurring line alone in the head or the tail: the page's edge is the template's.
    (6, set(), {0, 5}, {0, 5}),
    # Everything recurs alone and nothing else stands in the page: all of it is template.
    (3, set(), {0, 1, 2}, {0, 1, 2}),
    (0, set(), set(), set()),
])
def test_template_positions(paragraphs: int, with_neighbour: set[int], alone: set[int],
                            template: set[int]) -> None:
    assert template_positions(paragraphs, with_neighbour, alone) == template


def test_reports_that_differ_in_their_figures_are_two_articles() -> None:
    config = TemplateConfig()
    lines = ["Température minimale relevée ce matin à Lyon : {} degrés, vent de nord "
             "soufflant à {} km/h sur toute l\u2019agglomération lyonnaise"]
    a = article_of([lines[0].format(3, 20)], config)
    b = article_of([lines[0].format(7, 35)], config)
    assert len(set(same_articles([a, b], config))) == 2


# Sketches over a small alphabet of entries, so that articles share many of them.
_SKETCHES = st.lists(st.lists(st.integers(0, 30), max_size=8, unique=True).map(sorted),
                     max_size=25)


@settings(max_examples=300, deadline=None)
@given(_SKETCHES, st.integers(1, 4))
def test_same_articles_on_the_shared_entries_alone_gives_the_same_ids(
        sketches: list[list[int]], representatives: int) -> None:
    # What the flow passes (flows/site_templates.py): the linked articles only, each
    # with the entries another article holds; the others are their own article.
    config = replace(TemplateConfig(), sketch_lines=8)
    articles = [Article(1000 + n, tuple(sketch)) for n, sketch in enumerate(sketches)]
    holders = Counter(entry for sketch in sketches for entry in sketch)
    links = [[e for e in sketch if holders[e] > 1] for sketch in sketches]
    linked = [n for n, link in enumerate(links) if link]
    ids = [a.identity for a in articles]
    for n, found in zip(linked, same_articles([articles[n] for n in linked], config,
                                              representatives, [links[n] for n in linked]),
                        strict=True):
        ids[n] = found
    assert ids == same_articles(articles, config, representatives)


@given(st.lists(st.integers(0, 2**64 - 1), max_size=40, unique=True),
       st.lists(st.integers(0, 2**64 - 1), max_size=40, unique=True),
       st.integers(1, 20))
def test_sketch_similarity_is_exact_on_small_sets(a: list[int], b: list[int],
                                                   size: int) -> None:
    sa, sb = sorted(a)[:size], sorted(b)[:size]
    estimate = sketch_similarity(sa, sb, size)
    assert 0.0 <= estimate <= 1.0
    if len(set(a) | set(b)) <= size and (a or b):
        assert estimate == len(set(a) & set(b)) / len(set(a) | set(b))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 3),
                          st.integers(0, 2**64 - 1)), max_size=120),
       st.integers(0, 120), st.integers(2, 6))
def test_merging_sketches_equals_sketching_the_union(rows: list[tuple[int, int, int]],
                                                     cut: int, k: int) -> None:
    """The state's sketch of earlier runs, merged with a new run's rows, is the sketch of
    all rows at once: articles seen twice count once, and nothing depends on the cut."""
    def arrays(part: list[tuple[int, int, int]]) -> tuple[np.ndarray, ...]:
        g, key, a = zip(*part, strict=True) if part else ((), (), ())
        return (np.array(g, np.int64), np.array(key, np.uint64), np.array(a, np.uint64))

    def explode(s: Any) -> list[tuple[int, int, int]]:
        return [(int(s.group[i]), int(s.key[i]), int(v))
                for i in range(len(s.group)) for v in s.values[s.offsets[i]:s.offsets[i + 1]]]

    whole = site_templates._bottom_k(*arrays(rows), k)
    earlier = site_templates._bottom_k(*arrays(rows[:cut]), k)
    merged = site_templates._bottom_k(*arrays(explode(earlier) + rows[cut:]), k)
    assert explode(merged) == explode(whole)
    exact = Counter((g, key) for g, key, _ in set(rows))
    for i in range(len(whole.group)):
        n = exact[(int(whole.group[i]), int(whole.key[i]))]
        assert whole.count[i] == n if n < k else whole.count[i] >= k


def test_estimate_count_is_close_on_large_sets() -> None:
    rng = np.random.default_rng(7)
    ids = sorted(rng.integers(0, 2**63, size=5000, dtype=np.uint64).tolist())
    assert abs(estimate_count([2 * x for x in ids[:64]], 64) - 5000) < 5000 * 0.3


def test_articles_without_words_are_one_article() -> None:
    config = TemplateConfig()
    empty = article_of(["—", "***"], config)
    assert empty.sketch == ()
    assert same_articles([empty, Article(empty.identity, ())], config) == [empty.identity] * 2



# --- the staged keys: only the lines that need one are keyed ---------------------------

# Short lines (candidates), long ones, lines without words, code, and whitespace that
# str.split() knows (NBSP, U+2028) around multilingual words.
_LINE_PARTS = st.sampled_from([
    "Share this article", "Mentions légales", "Вход  и регистрация", "© 2024 Example",
    "Η Ελλάδα σήμερα", "—", "***", "fn main() {", "#![allow(unused)]", "ＡＢＣ ＤＥＦ",  # noqa: RUF001 (Greek and fullwidth letters meant)
    "İstanbul\u00a0haberleri", "Straße\u2028ẞTRASSE", "12 May 2020 | 3 Comments",
    " ".join(["Le gouvernement a annoncé mardi une réforme des retraites"] * 2),
    " ".join(["Der Bundestag hat am Donnerstag das Gesetz beschlossen"] * 3),
])


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(st.lists(_LINE_PARTS, min_size=1, max_size=3).map(" ".join),
                         min_size=1, max_size=8), min_size=1, max_size=4))
def test_staged_keys_equal_keying_every_line(tmp_path_factory: Any,
                                             documents: list[list[str]]) -> None:
    # The straightforward way: every line keyed, each body line folded on its own.
    from cleaners.boilerplate import template_key
    from cleaners.templates import END, START, is_candidate, line_hash, line_key, pair_key

    config = TemplateConfig()
    paragraphs = [{"doc_id": f"d{n}", "line": 2 * k + 1, "text": text}
                  for n, texts in enumerate(documents) for k, text in enumerate(texts)]
    expected_keys: list[tuple[str, int, int, bool, int]] = []
    expected_articles = []
    for n, texts in enumerate(documents):
        folded = [template_key(text) for text in texts]
        for k, (text, key) in enumerate(zip(texts, folded, strict=True)):
            if key and is_candidate(text, config):
                before = folded[k - 1] if k else START
                after = folded[k + 1] if k + 1 < len(texts) else END
                expected_keys += [(f"d{n}", k, 2 * k + 1, False, line_key(key)),
                                  (f"d{n}", k, 2 * k + 1, True, pair_key(before, key)),
                                  (f"d{n}", k, 2 * k + 1, True, pair_key(key, after))]
        body = [t for t in texts if len(t.split()) > config.max_words] or texts
        keys = [key for key in (" ".join(t.casefold().split()) for t in body)
                if re.search(r"\w", key)]
        expected_articles.append({
            "doc_id": f"d{n}", "identity": line_hash("\n".join(keys)),
            "sketch": sorted({line_hash(key) for key in keys})[:config.sketch_lines],
            "paragraphs": len(texts)})
        assert article_of(texts, config) == Article(expected_articles[-1]["identity"],
                                                    tuple(expected_articles[-1]["sketch"]))
    stage = tmp_path_factory.mktemp("stage")
    site_templates.stage(stage, 0, paragraphs, config)
    staged = pq.read_table(stage / "batch-00000" / "template_keys").to_pylist()
    assert [tuple(row.values()) for row in staged] == expected_keys
    assert pq.read_table(stage / "batch-00000" / "articles").to_pylist() == expected_articles


# --- real pages ---------------------------------------------------------------------------

_WORD = re.compile(r"\w+")


def _norm(text: str) -> str:
    return " ".join(_WORD.findall(unicodedata.normalize("NFKC", text).casefold()))


def _corpus_script() -> ModuleType:
    # bench/ is scripts, not a package: its folder goes on the path, as when run.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    return importlib.import_module("eval_site_templates")


def _write(rows: list[dict[str, Any]], folder: Path) -> dict[str, int]:
    """The benchmark's input files; each document's `source` (`name#record` for a JSON
    Lines record) -> row index."""
    where = _corpus_script().write_input(rows, folder)
    return {key if isinstance(key, str) else f"{key[0]}#{key[1]}": n
            for key, n in where.items()}


def _outcome(rows: list[dict[str, Any]], where: dict[str, int], run: dict[str, Any]
             ) -> Counter[str]:
    """Per label: lines seen, kept, and removed as site templates."""
    by_doc: dict[str, Counter[str]] = defaultdict(Counter)
    for r in run["removed"]:
        if r["reason"] == "site_template":
            by_doc[r["doc_id"]][_norm(r["text"])] += 1
    counts: Counter[str] = Counter()
    for source, n in where.items():
        doc = run["documents"][source]
        left = Counter(_norm(line) for line in doc["text"].split("\n"))
        templates = by_doc[doc["doc_id"]]
        for line, label in zip(rows[n]["lines"], rows[n]["labels"], strict=True):
            norm = _norm(line)
            counts[label] += 1
            if left[norm] > 0 or not norm:
                counts[f"{label}_kept"] += 1
            elif templates[norm] > 0:
                counts[f"{label}_site_template"] += 1
                templates[norm] -= 1
            left[norm] -= 1
    return counts


@pytest.fixture(scope="module")
def real_pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    corpus = _corpus_script()
    rows = corpus.load(CORPUS)
    known, new = corpus.split(rows)
    work = tmp_path_factory.mktemp("real-pages")
    known_where = _write(known, work / "first")
    new_where = _write(new, work / "second")
    first = _run(work / "first", work, "first", dedup=False)
    second = _run(work / "second", work, "second", previous=first["version"], dedup=False)
    alone = _run(work / "second", work, "alone", dedup=False)
    return {"first": _outcome(known, known_where, first),
            "second": _outcome(new, new_where, second),
            "alone": _outcome(new, new_where, alone),
            "sites": len({row["site"] for row in rows})}


def test_real_pages_lose_their_site_templates_and_keep_their_content(
        real_pages: dict[str, Any], record_property: Any) -> None:
    total = real_pages["first"] + real_pages["second"]
    removed = 1 - total["template_kept"] / total["template"]
    content_lost = total["content_site_template"] / total["content"]
    record_property("site_templates_summary",
                    f"{real_pages['sites']} sites: template lines removed {removed:.4f}, "
                    f"content lost to site templates {content_lost:.4f}")
    assert removed >= 0.90
    assert 1 - content_lost >= 0.99


def test_real_pages_a_second_run_knows_the_sites(real_pages: dict[str, Any]) -> None:
    second, alone = real_pages["second"], real_pages["alone"]
    removed_second = 1 - second["template_kept"] / second["template"]
    assert removed_second >= 0.90
    assert second["content_site_template"] / second["content"] <= 0.01
    # What the second run removes as site template, a lone run cannot: it is the state.
    assert alone["template_site_template"] == 0
    assert second["template_site_template"] > 0.5 * second["template"]


def test_schema_doc_matches_the_state_schema() -> None:
    text = (ROOT / "docs" / "schema.md").read_text(encoding="utf-8")
    section = re.search(r"<!-- site-templates:begin -->\n(.*)<!-- site-templates:end -->",
                        text, re.S)
    assert section is not None
    assert section.group(1) == site_templates.state_markdown()
