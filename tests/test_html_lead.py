"""The lead a page's markup names (cleaners/html_lead.py), put back above the extraction."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import html as lxml_html

from cleaners.extract import ExtractConfig, Extracted, extract_html
from cleaners.html_lead import is_lead_name, with_marked_lead

# (language, headline, lead, body paragraphs): real-looking news in several languages.
ARTICLES = [
    ("de", "Neue Radwege für die Innenstadt",
     "Die Stadt baut bis 2026 zwölf Kilometer neue Radwege und nimmt dafür Parkplätze weg.",
     ["Der Verkehrsausschuss hat den Plan am Dienstag mit großer Mehrheit beschlossen, nur "
      "eine Fraktion stimmte dagegen.",
      "Als Erstes wird die Bahnhofstraße umgebaut, wo sich Radfahrer und Autos bisher eine "
      "enge Spur teilen müssen."]),
    ("fr", "La ville rénove ses écoles",
     "La mairie consacrera quarante millions d'euros à la rénovation de ses écoles d'ici 2030.",
     ["Le conseil municipal a adopté le plan lundi soir, après un long débat sur le calendrier "
      "des travaux dans chaque quartier.",
      "Les écoles maternelles seront les premières concernées, leurs toitures étant jugées "
      "les plus urgentes par les services techniques."]),
    ("es", "El puerto amplía su muelle",
     "El puerto invertirá 120 millones de euros en ampliar su muelle principal hasta 2027.",
     ["La autoridad portuaria presentó el proyecto el miércoles ante los representantes de "
      "las navieras y de los sindicatos del sector.",
      "Las obras comenzarán en primavera y, según el calendario previsto, no interrumpirán el "
      "tráfico de contenedores en ningún momento."]),
    ("pl", "Nowa linia tramwajowa na Pradze",
     "Miasto zbuduje do 2027 roku nową linię tramwajową łączącą Pragę z centrum Warszawy.",
     ["Radni przyjęli projekt we wtorek po długiej dyskusji o kosztach i harmonogramie "
      "prac na poszczególnych odcinkach.",
      "Budowa ruszy wiosną, a pierwsze tramwaje mają pojechać nową trasą jeszcze przed "
      "końcem kadencji obecnych władz."]),
    ("fi", "Kaupunki korjaa koulunsa",
     "Kaupunki käyttää seuraavien viiden vuoden aikana neljäkymmentä miljoonaa euroa "
     "koulujen korjaamiseen.",
     ["Kaupunginvaltuusto hyväksyi suunnitelman maanantaina pitkän keskustelun jälkeen, ja "
      "vain yksi ryhmä äänesti sitä vastaan.",
      "Ensimmäisenä korjataan alakoulut, joiden katot ja lämmitys ovat olleet huonossa "
      "kunnossa jo vuosia."]),
]


def article_page(headline: str, lead_block: str, body: list[str], after: str = "") -> str:
    paragraphs = "".join(f"<p>{text}</p>" for text in body)
    # The header above the <article>, as many sites set it: trafilatura takes the
    # article as the body and leaves the header's lead out.
    return ("<html><head><title>Nachrichten</title></head><body>"
            '<nav><a href="/">Start</a> <a href="/lokal">Lokal</a></nav>'
            f'<main><header class="article-header"><h1>{headline}</h1>{lead_block}</header>'
            f'<article><div class="article-body">{paragraphs}{after}</div></article></main>'
            "<footer>© 2024</footer></body></html>")


def page_tree(html: str) -> lxml_html.HtmlElement:
    return lxml_html.fromstring(html)


@pytest.mark.parametrize(("language", "headline", "lead", "body"), ARTICLES)
@pytest.mark.parametrize("marker", [
    'div class="content__intro"', 'div class="article-lead"', 'div class="standfirst"',
    'div class="chapo"', 'section class="c-articleSummary"', 'div id="vorspann"',
])
def test_a_marked_lead_in_the_header_is_put_back_first(
        language: str, headline: str, lead: str, body: list[str], marker: str) -> None:
    tag = marker.split()[0]
    html = article_page(headline, f"<{marker}>{lead}</{tag}>", body)
    on = extract_html(html)
    off = extract_html(html, config=ExtractConfig(lead_from_markup=False))
    assert isinstance(on, Extracted) and isinstance(off, Extracted)
    assert lead not in off.text, language  # what trafilatura leaves out is put back
    assert on.text == f"{lead}\n{off.text}", language


HEAD, LEAD, BODY = ARTICLES[0][1:]


@pytest.mark.parametrize(("label", "lead_block", "after"), [
    ("the class names no lead", f'<div class="meta-info">{LEAD}</div>', ""),
    ("a kicker is no sentence", '<p class="lead">Verkehr in der Innenstadt und im Umland '
     "der Stadt heute</p>", ""),
    ("too short to be a lead", '<p class="lead">Radwege kommen.</p>', ""),
    ("a teaser card with a heading and a picture",
     f'<div class="teaser"><h2>Mehr zum Thema</h2><img src="a.jpg"><p>{LEAD}</p></div>', ""),
    ("a teaser inside a link", f'<a href="/x"><p class="teaser-text">{LEAD}</p></a>', ""),
    ("mostly link text", f'<p class="intro"><a href="/x">{LEAD}</a></p>', ""),
    ("a teaser after the body is another article's", "",
     f'<div class="teaser-text">{LEAD}</div>'),
])
def test_what_is_not_a_lead_is_not_added(label: str, lead_block: str, after: str) -> None:
    tree = page_tree(article_page(HEAD, lead_block, BODY, after))
    text = "\n".join(BODY)
    assert with_marked_lead(tree, text) == text, label


def test_a_lead_already_in_the_text_is_not_repeated() -> None:
    tree = page_tree(article_page(HEAD, f'<div class="intro">{LEAD}</div>', BODY))
    text = "\n".join([LEAD, *BODY])
    assert with_marked_lead(tree, text) == text


@pytest.mark.parametrize(("value", "named"), [
    ("content__intro", True), ("article-lead", True), ("c-articleLead", True),
    ("entradilla", True), ("story_standfirst", True), ("leader-board", False),
    ("introduction-video", False), ("mislead", False), ("leadership", False),
])
def test_lead_names_are_whole_tokens(value: str, named: bool) -> None:
    assert is_lead_name(value) is named


@given(st.text(max_size=200))
def test_text_without_a_marked_lead_is_returned_unchanged(text: str) -> None:
    tree = page_tree(article_page(HEAD, "", BODY))
    assert with_marked_lead(tree, text) == text


def test_the_search_stops_after_the_first_paragraphs() -> None:
    # A page of 5,000 short sidebar paragraphs before its header: the rule looks at the
    # first 200 only (linear work per page) and adds nothing it could not place.
    sidebar = "".join(f"<p>Termin Nummer {i} im Kalender</p>" for i in range(5000))
    html = article_page(HEAD, f'<div class="intro">{LEAD}</div>', BODY)
    html = html.replace("<main>", f"<aside>{sidebar}</aside><main>")
    text = "\n".join(BODY)
    assert with_marked_lead(page_tree(html), text) == text
    near = article_page(HEAD, f'<div class="intro">{LEAD}</div>', BODY)
    assert with_marked_lead(page_tree(near), text) == f"{LEAD}\n{text}"
