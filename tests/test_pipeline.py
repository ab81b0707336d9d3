"""The per-document stages of cleaners/pipeline.py, one document at a time."""

from __future__ import annotations

import pytest

from cleaners.pipeline import CleanDocument, PipelineConfig, RawDocument, Toolkit, clean_document

PARAGRAPHS = [
    "Der Gemeinderat hat am Dienstag beschlossen, das Programm um drei Jahre zu verlängern.",
    "Die Kosten teilen sich das Land und die Stadt, wie die Verwaltung am Abend mitteilte.",
    "Die Tabelle zeigt, wie viel Kohlendioxid die geprüften Fahrzeuge im Alltag ausstoßen.",
]
ROW = "CO2 Ausstoß pro km in Gramm"


@pytest.fixture(scope="module")
def tools() -> Toolkit:
    return Toolkit(PipelineConfig())


def test_a_table_the_html_extractor_kept_is_content(tools: Toolkit) -> None:
    body = "".join(f"<p>{text}</p>" for text in PARAGRAPHS)
    table = (f"<table><tr><td>{ROW}</td><td>37</td></tr>"
             "<tr><td>Reichweite</td><td>420 km</td></tr></table>")
    page = (f"<html><head><title>Verbrauch im Test</title></head><body><article>"
            f"<h1>Verbrauch im Test</h1>{body}{table}{body}</article></body></html>")
    result = clean_document(RawDocument("d1", "a.html", None, "html", page.encode()), tools)
    assert isinstance(result, CleanDocument)
    assert any(ROW in paragraph.text for paragraph in result.paragraphs)
    assert not any(removal.reason == "table_row" for removal in result.removed)


def test_a_table_row_in_plain_text_is_still_judged(tools: Toolkit) -> None:
    text = "\n".join([PARAGRAPHS[0], f"|{ROW}||37|", PARAGRAPHS[1]])
    result = clean_document(RawDocument("d2", "a.txt", None, "text", text.encode()), tools)
    assert isinstance(result, CleanDocument)
    assert [removal.reason for removal in result.removed] == ["table_row"]
