"""Documentation that cannot drift from the code: schemas, CLI options, config keys."""

from __future__ import annotations

import re
from dataclasses import fields

from flows.cli import build_parser
from flows.settings import Settings
from flows.storage import schema_markdown
from tests.conftest import ROOT


def test_schema_doc_matches_the_schemas() -> None:
    text = (ROOT / "docs" / "schema.md").read_text(encoding="utf-8")
    section = re.search(r"<!-- schema:begin -->\n(.*)<!-- schema:end -->", text, re.S)
    assert section is not None
    assert section.group(1) == schema_markdown()


def test_every_run_option_has_help_and_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    run = build_parser()._subparsers._group_actions[0].choices["run"]  # type: ignore[union-attr]
    for action in run._actions:
        if action.dest == "help":
            continue
        assert action.help, action.dest
        names = action.option_strings or [action.metavar]
        assert any(name in readme for name in names), names


def test_every_config_section_and_key_is_documented() -> None:
    doc = (ROOT / "docs" / "config.md").read_text(encoding="utf-8")
    settings = Settings()
    sections = {"extract": settings.pipeline.extract, "normalize": settings.pipeline.normalize,
                "boilerplate": settings.pipeline.boilerplate,
                "language": settings.pipeline.language, "templates": settings.templates,
                "dedup": settings.dedup, "limits": settings.limits,
                "batching": settings.batching, "input": settings.selection,
                "jsonl": settings.jsonl, "output": settings.layout}
    for section, value in sections.items():
        assert f"[{section}]" in doc, section
        for f in fields(value):
            assert f"`{f.name}`" in doc, f"{section}.{f.name}"
    assert "[sites." in doc and "`keep`" in doc


def test_every_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name, parser in commands.items():
        assert f"textclean {name}" in readme, name
        assert parser.description, name
