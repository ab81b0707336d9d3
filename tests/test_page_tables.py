"""Data tables trafilatura dropped, put back (cleaners/page_tables.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import html as lxml_html

from cleaners.extract import Extracted, extract_html
from cleaners.page_tables import with_missing_tables

# A wine shop's page about Rioja: loose text split by <br>, the ageing rules as a table.
BEFORE = ("Für die Qualitätsstufen der Weine aus der D.O.Ca. Rioja gibt es folgende "
          "Bestimmungen, die der Kontrollrat jedes Jahr überprüft")
AFTER = ("Hinweis: Diese Normen sind Mindestnormen, einzelne Regionen können strengere "
         "Regeln für ihre Weine festlegen")
RULES = ("<tr><th></th><th>Crianza</th><th>Reserva</th><th>Gran Reserva</th></tr>"
         "<tr><th>Mindestlagerzeit Rotwein</th><td>24 Monate</td><td>36 Monate</td>"
         "<td>60 Monate</td></tr>"
         "<tr><th>davon mindestens im Fass</th><td>12 Monate</td><td>12 Monate</td>"
         "<td>24 Monate</td></tr>")
ROWS = ["|  | Crianza | Reserva | Gran Reserva |",  # the corner cell is empty
        "| Mindestlagerzeit Rotwein | 24 Monate | 36 Monate | 60 Monate |",
        "| davon mindestens im Fass | 12 Monate | 12 Monate | 24 Monate |"]
CALENDAR = ("<tr><th>L</th><th>M</th><th>X</th><th>J</th><th>V</th></tr>"
            "<tr><td>1</td><td>2</td><td>3</td><td>4</td><td>5</td></tr>"
            "<tr><td>8</td><td>9</td><td>10</td><td>11</td><td>12</td></tr>")
MENU = ("<tr><td><a href='/rioja'>Weine aus der Rioja</a></td><td><a href='/ribera'>Weine"
        " aus Ribera del Duero</a></td></tr><tr><td><a href='/toro'>Weine aus Toro</a></td>"
        "<td><a href='/rueda'>Weine aus Rueda</a></td></tr>")
RATING = ("<tr><td>Wie sehr hat Ihnen der Eintrag gefallen?</td><td></td></tr>"
          "<tr><td>Wie hilfreich war diese Firma?</td><td></td></tr>")


def page(body: str) -> lxml_html.HtmlElement:
    return lxml_html.fromstring(f"<html><head></head><body>{body}</body></html>")


def in_text(table: str) -> str:
    return f'<div class="beschreibung">{BEFORE}:<br><table>{table}</table>{AFTER}.</div>'


@pytest.mark.parametrize(("label", "body", "restored"), [
    ("a table in loose text that the extraction holds", in_text(RULES), True),
    ("a calendar widget", in_text(CALENDAR), False),
    ("a menu of links laid out as a table", in_text(MENU), False),
    ("a rating form: a question and an empty cell of stars", in_text(RATING), False),
    ("a one-row table is a layout box", in_text(RULES.split("</tr>")[1] + "</tr>"), False),
    ("a table in the sidebar", f"<div>{BEFORE}. {AFTER}.</div><aside><table>{RULES}"
     "</table></aside>", False),
    ("a table whose surroundings, three levels up, the extraction does not hold",
     f"<div>{BEFORE}. {AFTER}.</div><div class='shop'><div><div><p>Unsere Öffnungszeiten</p>"
     f"<table>{RULES}</table></div></div></div>", False),
])
def test_dropped_tables_come_back(label: str, body: str, restored: bool) -> None:
    text = f"{BEFORE}:\n{AFTER}."
    got = with_missing_tables(page(body), text)
    if restored:
        assert got == "\n".join([f"{BEFORE}:", *ROWS, f"{AFTER}."]), label
    else:
        assert got == text, label


def test_a_table_the_extraction_holds_is_not_repeated() -> None:
    text = "\n".join([f"{BEFORE}:", *ROWS, f"{AFTER}."])
    assert with_missing_tables(page(in_text(RULES)), text) == text


@pytest.mark.parametrize("wrapper", ["<div class='box'>{}</div>", "<p>{}</p>", "{}"])
def test_through_extract_html_a_table_comes_out_once(wrapper: str) -> None:
    # Whether trafilatura keeps the table itself or it is put back, its rows are there
    # once each, and after the text that comes before it.
    paragraphs = "".join(f"<p>{BEFORE} {n}.</p>" for n in range(4))
    box = wrapper.format(f"{BEFORE}:<br><table>{RULES}</table>{AFTER}.")
    html = (f"<html><body><nav><a href='/'>Start</a></nav><div class='content'>"
            f"{paragraphs}{box}</div></body></html>")
    result = extract_html(html)
    assert isinstance(result, Extracted)
    assert result.text.count("Mindestlagerzeit Rotwein") == 1
    assert result.text.find(f"{BEFORE}:") < result.text.find("Mindestlagerzeit Rotwein")


@given(st.lists(st.text(alphabet=st.characters(blacklist_characters="\n\r"), max_size=60),
                max_size=8))
def test_lines_are_only_ever_added(lines: list[str]) -> None:
    text = "\n".join([f"{BEFORE}:", *lines, f"{AFTER}."])
    got = with_missing_tables(page(in_text(RULES)), text).split("\n")
    kept = iter(got)
    assert all(line in kept for line in text.split("\n"))  # every line, in order


def test_a_long_table_comes_back_whole() -> None:
    # Only the first rows are searched for in the extraction (a bound on the work a page
    # can ask for); the rest go back with them.
    rows = "".join(f"<tr><td>Jahrgang {year}</td><td>{year % 7 + 1} Sterne</td></tr>"
                   for year in range(1000, 2000))
    got = with_missing_tables(page(in_text(rows)), f"{BEFORE}:\n{AFTER}.").split("\n")
    assert len(got) == 1002
    assert got[1] == "| Jahrgang 1000 | 7 Sterne |" and got[-2] == "| Jahrgang 1999 | 5 Sterne |"
