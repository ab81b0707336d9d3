#!/usr/bin/env python3
"""Generate a realistic, deterministic corpus of scraped news/web documents for benchmarks.

The text comes from real writing read at generation time (nothing of it is stored in the
repository): the seed articles, the content lines of ``eval/boiler_lines``, the sentences
of ``eval/lang_sentences``, the paragraphs of ``eval/near_duplicates`` and the legacy
texts of ``eval/encodings``. Per language, new sentences are drawn from a word-level
Markov chain over those sentences (characters for Chinese), now and then a real sentence
unchanged. Drawing only real sentences would reuse each of the 200 Italian or Arabic ones
hundreds of times at 100k documents, which news does not do and which makes every
paragraph a dedup candidate of thousands of others (bench_dedup.py measured the same).

Each document (~3.5 KB of body, one language: en de fr es fi it pt ru ar zh) has:

- one to four boilerplate lines at the top and bottom (cookie, share, follow, comment,
  newsletter prompts in the document's language or English, plus real boilerplate lines
  of ``boiler_lines`` for en, de, es, fi);
- paragraphs of two to six sentences, one in five of them a near-duplicate of an earlier
  paragraph of the same language: an exact copy, changed quotes, an added sentence, or a
  trimmed ending;
- in 3% of documents a paragraph quoted in another language (a legacy text);
- in 10% of documents mojibake: the text encoded to UTF-8, decoded as cp1252 or latin-1,
  and written as UTF-8.

90% of documents are ``.txt`` files, 5% ``.html`` pages (paragraphs wrapped in a page
with a nav bar, a related-links box and a footer) and 5% records of one ``.jsonl.gz``
shard per folder. Folders ``part-NNNN/`` hold 1,000 documents each. ``DIR.json``, beside
the folder (so that the folder holds documents only), records the seed, the counts and
the input bytes. The same arguments always give the
same bytes.

    .venv/bin/python bench/make_corpus.py --docs 10000 [--out DIR] [--seed 1]
"""

# Boilerplate prompts and sentence marks in Cyrillic, CJK and typographic quotes are the
# point of a multilingual corpus, not look-alike typos.
# ruff: noqa: RUF001

from __future__ import annotations

import argparse
import bisect
import codecs
import gzip
import html
import json
import random
import re
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAIN_SEEDS = HERE.parent / "seeds"
SHARED = HERE.parents[1] / "shared"
VERSION = 1  # bump when the output for a given seed changes

LANGUAGE_WEIGHTS = {"en": 0.28, "de": 0.14, "fr": 0.14, "es": 0.10, "fi": 0.06,
                    "it": 0.06, "pt": 0.06, "ru": 0.06, "ar": 0.05, "zh": 0.05}
LEGACY_LANGUAGES = {"arabic": "ar", "bulgarian": "bg", "chinese": "zh", "french": "fr",
                    "greek": "el", "hebrew": "he", "korean": "ko", "russian": "ru",
                    "spanish": "es", "turkish": "tr"}
DUPLICATE_SHARE = 0.20
MOJIBAKE_SHARE = 0.10
HTML_SHARE = 0.05
JSONL_SHARE = 0.05
FOREIGN_QUOTE_SHARE = 0.03
REAL_SENTENCE_SHARE = 0.05
FOLDER_DOCS = 1000
# Enough generated sentences that a 10k corpus never repeats one; past that, sentences
# are drawn again from this bank (about 20 uses each at 200k documents).
SENTENCE_BANK = 300_000
DUPLICATE_POOL = 4000  # earlier paragraphs kept per language as near-duplicate sources

# Prompts of the kinds that wrap scraped articles. {n} becomes a number.
BOILERPLATE = {
    "en": ["We use cookies to improve your experience. By continuing you accept our use "
           "of cookies.",
           "Accept all cookies", "Share this article", "Share on Facebook", "Share on Twitter",
           "Follow us on Instagram", "Follow us on Twitter", "{n} comments",
           "Leave a comment", "Sign up for our newsletter", "Read more", "Related articles",
           "Subscribe now for unlimited access", "Advertisement",
           "© {y} All rights reserved.", "Click here to read more"],
    "fr": ["Nous utilisons des cookies pour améliorer votre expérience.",
           "Accepter les cookies", "Partager cet article", "Partager sur Facebook",
           "Suivez-nous sur Twitter", "{n} commentaires", "Laisser un commentaire",
           "Inscrivez-vous à notre newsletter", "Lire la suite", "À lire aussi",
           "Abonnez-vous", "Publicité", "© {y} Tous droits réservés."],
    "de": ["Wir verwenden Cookies, um Ihnen das beste Nutzererlebnis zu bieten.",
           "Alle Cookies akzeptieren", "Artikel teilen", "Auf Facebook teilen",
           "Folgen Sie uns auf Twitter", "{n} Kommentare", "Kommentar schreiben",
           "Newsletter abonnieren", "Weiterlesen", "Das könnte Sie auch interessieren",
           "Anzeige", "© {y} Alle Rechte vorbehalten."],
    "es": ["Utilizamos cookies para mejorar su experiencia.", "Aceptar cookies",
           "Compartir en Facebook", "Compartir este artículo", "Síguenos en Twitter",
           "{n} comentarios", "Deja un comentario", "Suscríbete a nuestro boletín",
           "Leer más", "Noticias relacionadas", "Publicidad",
           "© {y} Todos los derechos reservados."],
    "it": ["Questo sito utilizza cookie per migliorare la tua esperienza.",
           "Accetta i cookie", "Condividi su Facebook", "Seguici su Twitter",
           "{n} commenti", "Lascia un commento", "Iscriviti alla newsletter",
           "Leggi anche", "Pubblicità", "© {y} Tutti i diritti riservati."],
    "pt": ["Utilizamos cookies para melhorar a sua experiência.", "Aceitar cookies",
           "Compartilhar no Facebook", "Siga-nos no Twitter", "{n} comentários",
           "Deixe um comentário", "Assine a nossa newsletter", "Leia também",
           "Publicidade", "© {y} Todos os direitos reservados."],
    "fi": ["Käytämme evästeitä parantaaksemme käyttökokemustasi.", "Hyväksy evästeet",
           "Jaa Facebookissa", "Seuraa meitä Twitterissä", "{n} kommenttia",
           "Jätä kommentti", "Tilaa uutiskirje", "Lue myös", "Mainos",
           "© {y} Kaikki oikeudet pidätetään."],
    "ru": ["Мы используем файлы cookie, чтобы улучшить работу сайта.", "Принять cookie",
           "Поделиться в Facebook", "Подписывайтесь на нас в Telegram",
           "{n} комментариев", "Оставить комментарий", "Подпишитесь на рассылку",
           "Читайте также", "Реклама", "© {y} Все права защищены."],
}
NAV = {"en": ["Home", "World", "Politics", "Business", "Sport", "Culture", "Contact"],
       "fr": ["Accueil", "Monde", "Politique", "Économie", "Sport", "Culture", "Contact"],
       "de": ["Startseite", "Welt", "Politik", "Wirtschaft", "Sport", "Kultur", "Kontakt"],
       "es": ["Inicio", "Mundo", "Política", "Economía", "Deportes", "Cultura", "Contacto"]}
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=\S)|(?<=[。！？])")
END_MARKS = ".!?…。！？\"'”»)"


@dataclass(slots=True)
class Chain:
    """A word (or character) Markov chain of order two that falls back to order one."""

    joiner: str
    starts: list[tuple[str, str]] = field(default_factory=list)
    order2: dict[tuple[str, str], list[str | None]] = field(default_factory=dict)
    order1: dict[str, list[str | None]] = field(default_factory=dict)
    sentences: list[str] = field(default_factory=list)

    def learn(self, sentence: str) -> None:
        tokens = list(sentence) if not self.joiner else sentence.split()
        if len(tokens) < 4:
            return
        self.sentences.append(sentence)
        self.starts.append((tokens[0], tokens[1]))
        following: list[str | None] = [*tokens[2:], None]
        for i, nxt in enumerate(following):
            self.order2.setdefault((tokens[i], tokens[i + 1]), []).append(nxt)
            self.order1.setdefault(tokens[i + 1], []).append(nxt)
        self.order1.setdefault(tokens[0], []).append(tokens[1])

    def generate(self, rng: random.Random, max_tokens: int) -> str:
        first, second = self.starts[rng.randrange(len(self.starts))]
        out = [first, second]
        while len(out) < max_tokens:
            # A jump to order one now and then leaves the original sentence's path.
            options = None if rng.random() < 0.15 else self.order2.get((out[-2], out[-1]))
            if options is None:
                options = self.order1.get(out[-1], [None])
            nxt = options[rng.randrange(len(options))]
            if nxt is None:
                break
            out.append(nxt)
        text = self.joiner.join(out)
        if text[-1] not in END_MARKS:
            text += "。" if not self.joiner else "."
        return text


@dataclass(slots=True)
class Sources:
    """The real text the corpus is made from, read from the shared folders."""

    chains: dict[str, Chain]
    boiler_lines: dict[str, list[str]]
    foreign: list[tuple[str, str]]


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE_END.split(text) if s and len(s.strip()) > 15]


def guess_language(text: str) -> str | None:
    """fr, en, de or es by function words: the near-duplicate paragraphs carry no label."""
    words = re.findall(r"\w+", text.lower())
    marks = {"fr": {"le", "la", "les", "des", "est", "une", "et", "du"},
             "en": {"the", "and", "of", "is", "was", "to", "in"},
             "de": {"der", "die", "und", "das", "ist", "nicht", "mit"},
             "es": {"el", "los", "las", "del", "y", "que", "por"}}
    scores = {lang: sum(w in m for w in words) for lang, m in marks.items()}
    best = max(scores, key=lambda k: scores[k])
    return best if scores[best] >= 3 else None


def load_sources(shared: Path, seeds: Path) -> Sources:
    """Read every source once and learn one chain per language."""
    eval_dir = shared / "eval"
    sentences: dict[str, list[str]] = {lang: [] for lang in LANGUAGE_WEIGHTS}
    seed_texts = {p.read_text("utf-8") for folder in (seeds, shared / "seeds")
                  for p in sorted(folder.glob("*.txt"))}
    for text in sorted(seed_texts):
        for line in text.splitlines():
            if len(line) > 80:
                sentences["fr"].extend(split_sentences(line))
    boiler: dict[str, list[str]] = {}
    with open(eval_dir / "boiler_lines" / "gold.jsonl", encoding="utf-8") as handle:
        for row in map(json.loads, handle):
            lang = row["source"].split("/")[0]
            for line, label in zip(row["lines"], row["labels"], strict=True):
                line = line.strip()
                if label == 1 and len(line) > 60:
                    sentences.setdefault(lang, []).extend(split_sentences(line))
                elif label == 0 and 3 <= len(line) <= 120:
                    boiler.setdefault(lang, []).append(line)
    for path in sorted((eval_dir / "lang_sentences").glob("*_*.txt")):
        lang = path.name.split("_")[0]
        if lang in sentences:
            sentences[lang].append(path.read_text("utf-8").strip())
    with open(eval_dir / "near_duplicates" / "gold.jsonl", encoding="utf-8") as handle:
        for row in map(json.loads, handle):
            for paragraph in row["paragraphs"]:
                lang = guess_language(paragraph)
                if lang:
                    sentences[lang].extend(split_sentences(paragraph))
    foreign: list[tuple[str, str]] = []
    seen: set[str] = set()
    with open(eval_dir / "encodings" / "gold.jsonl", encoding="utf-8") as handle:
        for row in map(json.loads, handle):
            name = row["source"]
            lang = next((code for word, code in LEGACY_LANGUAGES.items() if word in name), None)
            if not name.startswith("legacy/") or lang is None:
                continue
            for paragraph in re.split(r"\r?\n\s*\r?\n", row["text"]):
                paragraph = " ".join(paragraph.split())
                if len(paragraph) > 120 and paragraph not in seen:
                    seen.add(paragraph)
                    foreign.append((lang, paragraph))
    chains: dict[str, Chain] = {}
    for lang, found in sentences.items():
        chain = Chain(joiner="" if lang == "zh" else " ")
        for sentence in dict.fromkeys(found):  # ordered, without repeats
            chain.learn(sentence)
        chains[lang] = chain
    return Sources(chains=chains, boiler_lines=boiler, foreign=foreign)


def _sloppy_latin1(error: UnicodeError) -> tuple[str, int]:
    # cp1252 leaves five bytes undefined; browsers and ftfy's "sloppy" codecs show them as
    # the latin-1 characters, which is what real mojibake holds.
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start:error.end].decode("latin-1"), error.end


codecs.register_error("bench_sloppy_latin1", _sloppy_latin1)


def mojibake(text: str, rng: random.Random) -> str:
    """The text as it looks after its UTF-8 bytes were read as cp1252 or latin-1."""
    codec = "cp1252" if rng.random() < 0.7 else "latin-1"
    return text.encode("utf-8").decode(codec, "bench_sloppy_latin1")


class Generator:
    """Makes documents one after another; the same seed gives the same documents."""

    def __init__(self, sources: Sources, seed: int) -> None:
        self.rng = random.Random(seed)
        self.sources = sources
        self.languages = list(LANGUAGE_WEIGHTS)
        self.cumulative: list[float] = []
        total = 0.0
        for weight in LANGUAGE_WEIGHTS.values():
            total += weight
            self.cumulative.append(total)
        self.bank: dict[str, list[str]] = {lang: [] for lang in self.languages}
        self.bank_size = {lang: int(SENTENCE_BANK * w) for lang, w in LANGUAGE_WEIGHTS.items()}
        self.pool: dict[str, list[str]] = {lang: [] for lang in self.languages}
        self.pool_seen = dict.fromkeys(self.languages, 0)
        self.stats = {"paragraphs": 0, "near_duplicates": 0, "mojibake": 0,
                      "foreign_quotes": 0}

    def language(self) -> str:
        point = self.rng.random() * self.cumulative[-1]
        return self.languages[bisect.bisect(self.cumulative, point)]

    def sentence(self, lang: str) -> str:
        chain, rng = self.sources.chains[lang], self.rng
        if rng.random() < REAL_SENTENCE_SHARE:
            return chain.sentences[rng.randrange(len(chain.sentences))]
        bank = self.bank[lang]
        if len(bank) >= self.bank_size[lang]:
            return bank[rng.randrange(len(bank))]
        text = chain.generate(rng, 70 if lang == "zh" else 40)
        bank.append(text)
        return text

    def fresh_paragraph(self, lang: str) -> str:
        joiner = "" if lang == "zh" else " "
        paragraph = joiner.join(self.sentence(lang) for _ in range(self.rng.randint(2, 6)))
        pool = self.pool[lang]
        self.pool_seen[lang] += 1
        if len(pool) < DUPLICATE_POOL:
            pool.append(paragraph)
        else:  # reservoir sampling: every earlier paragraph is equally likely a source
            slot = self.rng.randrange(self.pool_seen[lang])
            if slot < DUPLICATE_POOL:
                pool[slot] = paragraph
        return paragraph

    def near_duplicate(self, lang: str) -> str:
        rng = self.rng
        source = self.pool[lang][rng.randrange(len(self.pool[lang]))]
        kind = rng.random()
        if kind < 0.3:
            return source
        if kind < 0.5:
            return change_quotes(source, rng)
        if kind < 0.75:
            return source + ("" if lang == "zh" else " ") + self.sentence(lang)
        return trim_ending(source, rng)

    def document(self) -> tuple[str, str, list[str], list[str], list[str]]:
        """(language, title, top boilerplate, paragraphs, bottom boilerplate)."""
        rng = self.rng
        lang = self.language()
        target = rng.randint(2300, 3800)
        paragraphs: list[str] = []
        size = 0
        while size < target:
            if self.pool[lang] and rng.random() < DUPLICATE_SHARE:
                paragraph = self.near_duplicate(lang)
                self.stats["near_duplicates"] += 1
            else:
                paragraph = self.fresh_paragraph(lang)
            paragraphs.append(paragraph)
            size += len(paragraph.encode("utf-8")) + 1
        self.stats["paragraphs"] += len(paragraphs)
        if rng.random() < FOREIGN_QUOTE_SHARE and self.sources.foreign:
            _, quote = self.sources.foreign[rng.randrange(len(self.sources.foreign))]
            paragraphs.insert(rng.randrange(1, len(paragraphs) + 1), quote)
            self.stats["foreign_quotes"] += 1
        title = self.sentence(lang)[:90].rstrip(" .")
        top = [self.boiler_line(lang) for _ in range(rng.randint(1, 3))]
        bottom = [self.boiler_line(lang) for _ in range(rng.randint(1, 4))]
        return lang, title, top, paragraphs, bottom

    def boiler_line(self, lang: str) -> str:
        rng = self.rng
        real = self.sources.boiler_lines.get(lang)
        if real and rng.random() < 0.4:
            return real[rng.randrange(len(real))]
        templates = BOILERPLATE.get(lang) if rng.random() < 0.75 else None
        templates = templates or BOILERPLATE["en"]
        line = templates[rng.randrange(len(templates))]
        return line.format(n=rng.randint(2, 999), y=rng.randint(2015, 2025))


def change_quotes(text: str, rng: random.Random) -> str:
    """The paragraph with its quotes in another style (or a phrase newly quoted)."""
    if '"' in text:
        opening, closing = ("«\u00a0", "\u00a0»") if rng.random() < 0.5 else ("“", "”")
        parts = text.split('"')
        return "".join(p + (opening if i % 2 == 0 else closing) if i < len(parts) - 1 else p
                       for i, p in enumerate(parts))
    for fancy in ("“", "”", "«", "»", "„"):
        text = text.replace(fancy + "\u00a0", '"').replace("\u00a0" + fancy, '"')
        text = text.replace(fancy, '"')
    text = text.replace("’", "'")
    if '"' in text or "'" in text:
        return text
    words = text.split(" ")
    if len(words) < 8:
        return text
    start = rng.randrange(1, len(words) - 4)
    words[start] = "“" + words[start]
    words[start + 2] = words[start + 2] + "”"
    return " ".join(words)


def trim_ending(text: str, rng: random.Random) -> str:
    """The paragraph without its last sentence, or cut at a word near its end."""
    sentences = split_sentences(text)
    if len(sentences) >= 3:
        joiner = "" if re.search(r"[。！？]$", sentences[0]) else " "
        return joiner.join(sentences[:-1])
    cut = int(len(text) * rng.uniform(0.75, 0.9))
    space = text.rfind(" ", 0, cut)
    return text[: space if space > 0 else cut]


def as_text(title: str, top: Sequence[str], paragraphs: Sequence[str],
            bottom: Sequence[str]) -> str:
    # Like the seed files: one paragraph per line, a blank line after the title.
    return "\n".join([*top, title, "", *paragraphs, *bottom]) + "\n"


def as_html(lang: str, title: str, top: Sequence[str], paragraphs: Sequence[str],
            bottom: Sequence[str], related: Sequence[str]) -> str:
    nav = "".join(f'<li><a href="/{i}">{html.escape(item)}</a></li>'
                  for i, item in enumerate(NAV.get(lang, NAV["en"])))
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    aside = "".join(f'<li><a href="/a/{i}">{html.escape(r)}</a></li>'
                    for i, r in enumerate(related))
    banner = "".join(f"<p>{html.escape(line)}</p>" for line in top)
    foot = "".join(f"<p>{html.escape(line)}</p>" for line in bottom)
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title></head>\n<body>\n"
            f'<header><nav><ul class="menu">{nav}</ul></nav>'
            f'<div class="cookie-banner">{banner}</div></header>\n'
            f"<main><article><h1>{html.escape(title)}</h1>\n{body}\n</article>\n"
            f'<aside class="related"><h2>Related</h2><ul>{aside}</ul></aside></main>\n'
            f'<footer><div class="share">{foot}</div></footer>\n</body></html>\n')


def generate(docs: int, out: Path, seed: int, shared: Path = SHARED,
             seeds: Path = MAIN_SEEDS) -> dict[str, object]:
    """Write `docs` documents under `out` (replaced if present) and return its metadata."""
    started = time.perf_counter()
    sources = load_sources(shared, seeds)
    gen = Generator(sources, seed)
    rng = gen.rng
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    counts = {"txt": 0, "html": 0, "jsonl": 0}
    files = 0
    bytes_on_disk = 0
    text_bytes = 0
    languages: dict[str, int] = {}
    shard: list[str] = []
    for number in range(docs):
        folder = out / f"part-{number // FOLDER_DOCS:04d}"
        if number % FOLDER_DOCS == 0:
            folder.mkdir()
        lang, title, top, paragraphs, bottom = gen.document()
        languages[lang] = languages.get(lang, 0) + 1
        broken = rng.random() < MOJIBAKE_SHARE
        if broken:
            gen.stats["mojibake"] += 1
            title, top, paragraphs, bottom = (
                mojibake(title, rng), [mojibake(t, rng) for t in top],
                [mojibake(p, rng) for p in paragraphs], [mojibake(b, rng) for b in bottom])
        kind = rng.random()
        if kind < HTML_SHARE:
            related = [gen.sentence(lang)[:80] for _ in range(3)]
            data = as_html(lang, title, top, paragraphs, bottom, related).encode("utf-8")
            (folder / f"d{number:07d}.html").write_bytes(data)
            counts["html"] += 1
            files += 1
            bytes_on_disk += len(data)
        elif kind < HTML_SHARE + JSONL_SHARE:
            text = "\n".join([*top, *paragraphs, *bottom])
            record = {"text": text, "title": title, "url": f"https://news.example/{lang}/{number}"}
            line = json.dumps(record, ensure_ascii=False)
            shard.append(line)
            data = line.encode("utf-8")
            counts["jsonl"] += 1
        else:
            data = as_text(title, top, paragraphs, bottom).encode("utf-8")
            (folder / f"d{number:07d}.txt").write_bytes(data)
            counts["txt"] += 1
            files += 1
            bytes_on_disk += len(data)
        text_bytes += len(data)
        if shard and ((number + 1) % FOLDER_DOCS == 0 or number + 1 == docs):
            packed = gzip.compress(("\n".join(shard) + "\n").encode("utf-8"), mtime=0)
            (folder / "shard.jsonl.gz").write_bytes(packed)
            files += 1
            bytes_on_disk += len(packed)
            shard = []
    meta: dict[str, object] = {
        "generator_version": VERSION, "seed": seed, "docs": docs, "files": files,
        "kinds": counts, "input_bytes": text_bytes, "bytes_on_disk": bytes_on_disk,
        "languages": dict(sorted(languages.items(), key=lambda kv: -kv[1])), **gen.stats,
        "seconds": round(time.perf_counter() - started, 1),
    }
    meta_path(out).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta


def meta_path(out: Path) -> Path:
    return out.with_name(out.name + ".json")


def default_out(docs: int, seed: int) -> Path:
    return HERE / "corpus" / f"e2e-{docs}-seed{seed}"


def ensure(docs: int, seed: int) -> tuple[Path, dict[str, object]]:
    """The corpus for (docs, seed), generated unless an identical one is already there."""
    out = default_out(docs, seed)
    path = meta_path(out)
    if path.exists() and out.is_dir():
        meta = json.loads(path.read_text("utf-8"))
        if meta.get("generator_version") == VERSION and meta.get("docs") == docs:
            return out, meta
    return out, generate(docs, out, seed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, required=True, help="number of documents")
    parser.add_argument("--out", type=Path,
                        help="output folder (default bench/corpus/e2e-N-seedS); replaced")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    out = args.out or default_out(args.docs, args.seed)
    meta = generate(args.docs, out, args.seed)
    print(json.dumps({"out": str(out), **meta}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
