"""Headlines of other articles taken out of the extraction (cleaners/html_teasers.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import html as lxml_html

from cleaners.extract import ExtractConfig, Extracted, extract_html
from cleaners.html_teasers import linked_headings, without_linked_headings

# (language, title, body paragraphs, teaser headline): real-looking news in several languages.
ARTICLES = [
    ("de", "Hochwasser am Rhein erreicht seinen Höchststand",
     ["Der Pegel in Köln stieg in der Nacht auf fast neun Meter, die Altstadt blieb aber "
      "trocken, weil die Schutzwände rechtzeitig standen.",
      "Die Feuerwehr rechnet damit, dass das Wasser ab Donnerstag langsam zurückgeht, "
      "warnt aber vor Treibgut in den Uferbereichen."],
     "Sturmflut an der Nordsee: Fähren bleiben im Hafen"),
    ("es", "El puerto de Valencia amplía su muelle norte",
     ["La autoridad portuaria presentó el proyecto el miércoles ante los representantes de "
      "las navieras y de los sindicatos del sector.",
      "Las obras comenzarán en primavera y no interrumpirán el tráfico de contenedores en "
      "ningún momento, según el calendario previsto."],
     "La angustia que vive un barrio lleno de obras"),
    ("pl", "Nowa linia tramwajowa połączy Pragę z centrum",
     ["Radni przyjęli projekt we wtorek po długiej dyskusji o kosztach i harmonogramie "
      "prac na poszczególnych odcinkach trasy.",
      "Budowa ruszy wiosną, a pierwsze tramwaje mają pojechać nową trasą jeszcze przed "
      "końcem kadencji obecnych władz miasta."],
     "Metro na Bródnie: kiedy ruszy budowa trzeciej linii"),
    ("fi", "Kaupunki korjaa kaikki koulunsa viidessä vuodessa",
     ["Kaupunginvaltuusto hyväksyi suunnitelman maanantaina pitkän keskustelun jälkeen, ja "
      "vain yksi ryhmä äänesti sitä vastaan.",
      "Ensimmäisenä korjataan alakoulut, joiden katot ja lämmitys ovat olleet huonossa "
      "kunnossa jo vuosia, kertoo opetustoimi."],
     "Uusi uimahalli avataan keväällä"),
]


def page(title: str, body: list[str], boxes: str) -> str:
    """An article whose h1 links to its permalink, `boxes` between its paragraphs."""
    return (f"<html><head><title>{title}</title></head><body><article>"
            f'<h1><a href="/2024/{len(title)}">{title}</a></h1><p>{body[0]}</p>{boxes}'
            f"<p>{body[1]}</p></article></body></html>")


@pytest.mark.parametrize(("language", "title", "body", "teaser"), ARTICLES)
@pytest.mark.parametrize("box", [
    '<h3><a href="/news/1">{}</a></h3>',
    '<h2><a href="/2023/11/sturm.html">{}</a></h2>',
    '<a href="https://example.org/x"><h2>{}</h2></a>',
])
def test_a_teaser_headline_leaves_and_the_article_stays(
        language: str, title: str, body: list[str], teaser: str, box: str) -> None:
    html = page(title, body, box.format(teaser))
    on = extract_html(html)
    off = extract_html(html, config=ExtractConfig(drop_linked_headings=False))
    assert isinstance(on, Extracted) and isinstance(off, Extracted)
    assert teaser in off.text, language  # trafilatura keeps it: that is what leaves
    assert teaser not in on.text, language
    assert all(text in on.text for text in body), language


@pytest.mark.parametrize(("label", "heading"), [
    ("a section heading without a link", "<h2>{}</h2>"),
    ("a permalink anchor", '<h2 id="s1">{}<a href="#s1">¶</a></h2>'),
    ("a table of contents target", '<h2><a href="#wasser">{}</a></h2>'),
    ("a named anchor without a target", '<h2><a name="wasser">{}</a></h2>'),
    ("a heading with one linked word", '<h2>{} <a href="/lexikon/pegel">Pegel</a></h2>'),
])
def test_section_headings_of_the_article_stay(label: str, heading: str) -> None:
    title, body, _ = ARTICLES[0][1:]
    section = "Was die Feuerwehr jetzt rät"
    tree = lxml_html.fromstring(page(title, body, heading.format(section)))
    text = "\n".join([*body, section])
    assert without_linked_headings(tree, text) == text, label


def test_the_page_title_linking_to_its_permalink_stays() -> None:
    title, body, _ = ARTICLES[0][1:]
    tree = lxml_html.fromstring(page(title, body, ""))
    assert linked_headings(tree) == set()
    text = "\n".join([title, *body])
    assert without_linked_headings(tree, text) == text


def test_a_list_page_of_headlines_is_left_whole() -> None:
    # A page that is mostly teaser headlines is a list page: its text is the list.
    heads = [teaser for *_, teaser in ARTICLES]
    boxes = "".join(f'<h3><a href="/n/{i}">{h}</a></h3>' for i, h in enumerate(heads))
    tree = lxml_html.fromstring(f"<html><body>{boxes}<p>Mehr Nachrichten</p></body></html>")
    text = "\n".join([*heads, "Mehr Nachrichten"])
    assert without_linked_headings(tree, text) == text


@given(st.lists(st.sampled_from([ARTICLES[1][3], *ARTICLES[1][2], "Más noticias", ""])
                | st.text(max_size=40), max_size=8))
def test_lines_only_leave_and_keep_their_order(lines: list[str]) -> None:
    title, body, teaser = ARTICLES[1][1:]
    tree = lxml_html.fromstring(page(title, body, f'<h3><a href="/x">{teaser}</a></h3>'))
    text = "\n".join(lines)
    left = iter(text.split("\n"))
    assert all(line in left for line in without_linked_headings(tree, text).split("\n"))


# (language, teaser headline, its description): cards of other articles in several languages.
CARDS = [
    ("pl", "Co zrobić z malin? Z nami Ci się uda!",
     "Słodkie i soczyste owoce, które mogą być składnikiem deserów, ale również wytrawnych "
     "dań czy szybkich sałatek."),
    ("de", "Die acht besten Heizjacken im Test",
     "Um rund fünf Grad Celsius liegt die Durchschnittstemperatur im November unter der "
     "des Oktobers. Doch was, wenn wir trotzdem frösteln?"),
    ("en", "Global Affiliate Network",
     "Our network includes over 500 researchers, activists and volunteers who serve as "
     "representatives in over 85 countries."),
]


@pytest.mark.parametrize(("language", "headline", "description"), CARDS)
@pytest.mark.parametrize("card", [
    '<div class="box"><a href="/blog/{n}">{h}</a><p>{d}</p><a href="/blog/{n}/">Weiter</a></div>',
    '<div><a href="/blog/{n}"><img src="x.jpg"></a><h4><a href="/blog/{n}#top">{h}</a></h4>'
    "<div><p>{d}</p></div></div>",
])
def test_a_teaser_cards_description_leaves(language: str, headline: str, description: str,
                                           card: str) -> None:
    title, body, _ = ARTICLES[0][1:]
    box = card.format(n=len(headline), h=headline, d=description)
    tree = lxml_html.fromstring(page(title, body, box))
    text = "\n".join([body[0], description, body[1]])
    assert without_linked_headings(tree, text).split("\n") == body, language
    assert without_linked_headings(tree, text, cards=False) == text, language


@pytest.mark.parametrize(("label", "box"), [
    ("one link only", '<div><a href="/blog/x">{h}</a><p>{d}</p></div>'),
    ("links to two pages",
     '<div><a href="/blog/x">{h}</a><p>{d}</p><a href="/blog/y">Mehr</a></div>'),
    ("a link to another page inside the paragraph",
     '<div><a href="/x">{h}</a><p>{d} <a href="/y">Quelle</a></p><a href="/x">Mehr</a></div>'),
    ("links without a headline", '<div><a href="/x">Mehr</a><p>{d}</p><a href="/x">»</a></div>'),
    ("a box with much more text",
     '<div><a href="/x">{h}</a><p>{d}</p><p>{more}</p><p>{more}</p><a href="/x">Mehr</a></div>'),
])
def test_article_paragraphs_beside_links_stay(label: str, box: str) -> None:
    title, body, _ = ARTICLES[0][1:]
    headline, description = CARDS[1][1:]
    tree = lxml_html.fromstring(page(title, body, box.format(h=headline, d=description,
                                                             more=body[1])))
    text = "\n".join([body[0], description, body[1]])
    assert without_linked_headings(tree, text) == text, label
