"""Measure what the harvested UI strings give on a language whose hand lexicon is off.

For each language of boiler_lines (en, de, es, fi), its documents are cleaned twice with
that language's hand lexicon (`cleaners/patterns/<lang>.txt`) switched off
(`BoilerplateConfig.languages` without it): once with the harvested UI strings
(`cleaners/uistrings/`), once without them (`disabled_rules={"ui"}`). The difference is
what the harvested strings alone bring to a language nobody typed patterns for. The
other languages' lexicons stay on, as they would for an unseen language.

    .venv/bin/python bench/eval_uistrings.py            # all splits
    .venv/bin/python bench/eval_uistrings.py --lines    # plus the lines the strings removed
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.eval_boilerplate import EVAL, load_scorer, read_lines  # noqa: E402
from cleaners.boilerplate import (  # noqa: E402
    SHIPPED_LANGUAGES,
    BoilerplateConfig,
    load_lexicon,
    strip_boilerplate,
)

HELD_OUT = ("en", "de", "es", "fi")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", action="store_true",
                        help="print each line the UI strings removed, with its gold label")
    args = parser.parse_args()
    score = load_scorer()
    folder = EVAL / "boiler_lines"
    with open(folder / "gold.jsonl", encoding="utf-8") as handle:
        gold = [json.loads(line) for line in handle]
    for lang in HELD_OUT:
        items = [item for item in gold if Path(item["source"]).parts[0] == lang]
        languages = tuple(code for code in SHIPPED_LANGUAGES if code != lang)
        row: dict[str, Any] = {"held_out": lang, "documents": len(items)}
        for label, off in (("lexicon_only", frozenset({"ui"})), ("with_ui", frozenset())):
            lexicon = load_lexicon(BoilerplateConfig(languages=languages, disabled_rules=off))
            docs: dict[str, Any] = {}
            ui_lines = 0
            for item in items:
                result = strip_boilerplate(read_lines(folder / item["source"]), lexicon)
                docs[item["source"]] = {"text": "\n".join(line.text for line in result.kept)}
                ui = [r for r in result.removed if r.rule.startswith("ui:")]
                ui_lines += len(ui)
                if args.lines and label == "with_ui":
                    labels = {score.norm(g): lab
                              for g, lab in zip(item["lines"], item["labels"], strict=True)}
                    for removal in ui:
                        print(f"  {labels.get(score.norm(removal.text), '?')} {removal.rule}:"
                              f" {removal.text[:90]!r}")
            figures = score.line_metric(items, docs)
            row[label] = {"content_kept": figures["content_kept"],
                          "boilerplate_removed": figures["boilerplate_removed"],
                          "ui_removals": ui_lines}
        print(json.dumps(row, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
