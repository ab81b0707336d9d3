"""HTML extraction (cleaners/extract.py): the lead put back from the meta description."""

from __future__ import annotations

import json

import pytest
from lxml import html as lxml_html

from cleaners.extract import (
    ExtractConfig,
    Extracted,
    body_paragraphs,
    extract_html,
    marked_comments,
    missing_lead,
    with_article_body,
    without_page_chrome,
)
from cleaners.html_body import with_text_blocks

LEAD = ("Die Stadt will bis 2030 alle Schulen sanieren lassen und stellt dafür in den "
        "nächsten Jahren 80 Millionen Euro bereit.")
BODY = [
    "Der Gemeinderat hat den Plan am Dienstagabend mit großer Mehrheit beschlossen, nur "
    "zwei Fraktionen stimmten dagegen.",
    "Als Erstes kommen die Grundschulen an die Reihe, deren Dächer und Heizungen seit "
    "Jahren als marode gelten.",
    "Die Elternvertreter begrüßten die Entscheidung, forderten aber einen verbindlichen "
    "Zeitplan für jede einzelne Schule.",
    "Die Verwaltung will diesen Zeitplan bis zum Sommer vorlegen und dann jedes Jahr im "
    "Rathaus über den Stand berichten.",
]


def page(description: str | None, header: str) -> str:
    meta = f'<meta name="description" content="{description}">' if description else ""
    paragraphs = "".join(f"<p>{text}</p>" for text in BODY)
    return (f"<html><head><title>Schulen werden saniert</title>{meta}</head><body>"
            f'<nav><a href="/">Start</a> <a href="/lokales">Lokales</a></nav>'
            f'<header class="article-header"><h1>Schulen werden saniert</h1>{header}</header>'
            f'<div class="article-body">{paragraphs}</div>'
            f"<footer>© 2024 Stadtanzeiger</footer></body></html>")


def tree(body: str) -> lxml_html.HtmlElement:
    return lxml_html.fromstring(f"<html><head></head><body>{body}</body></html>")


@pytest.mark.parametrize(("label", "description", "body", "text", "expect"), [
    ("lead shown in a header, missing from the text",
     LEAD, f'<p class="lead">{LEAD}</p><p>{BODY[0]}</p>', BODY[0], LEAD),
    ("markup and punctuation inside the shown lead do not matter",
     LEAD, "<p>Die Stadt will bis <b>2030</b> alle Schulen sanieren lassen &ndash; und stellt "
     "dafür in den nächsten Jahren 80&nbsp;Millionen Euro bereit</p>", BODY[0], LEAD),
    ("spacing in the description is folded",
     "  Die Stadt will\n bis 2030 alle Schulen sanieren lassen. ", "<p>Die Stadt will bis "
     "2030 alle Schulen sanieren lassen.</p>", BODY[0],
     "Die Stadt will bis 2030 alle Schulen sanieren lassen."),
    ("already in the text", LEAD, f"<p>{LEAD}</p>", f"{LEAD}\n{BODY[0]}", None),
    ("already in the text as the start of the first paragraph",
     "Die Stadt will bis 2030 alle Schulen sanieren lassen", f"<p>{LEAD}</p>",
     f"{LEAD}\n{BODY[0]}", None),
    ("an SEO description that the page does not show", LEAD, f"<p>{BODY[0]}</p>",
     BODY[0], None),
    ("shown only in a script (JSON-LD)", LEAD,
     f'<script type="application/ld+json">{{"description": "{LEAD}"}}</script>'
     f"<p>{BODY[0]}</p>", BODY[0], None),
    ("a short tagline is not a lead", "Nachrichten aus der Region",
     "<p>Nachrichten aus der Region</p>", BODY[0], None),
    ("no description", None, f"<p>{LEAD}</p>", BODY[0], None),
])
def test_missing_lead(label: str, description: str | None, body: str, text: str,
                      expect: str | None) -> None:
    assert missing_lead(tree(body), description, text) == expect, label


def test_the_lead_becomes_the_first_line_once() -> None:
    result = extract_html(page(LEAD, f'<p class="lead">{LEAD}</p>'))
    assert isinstance(result, Extracted)
    lines = result.text.split("\n")
    assert lines[0] == LEAD
    assert sum(LEAD in line for line in lines) == 1
    assert BODY[0] in lines


def test_no_lead_without_a_shown_description() -> None:
    result = extract_html(page(LEAD, ""))
    assert isinstance(result, Extracted)
    assert LEAD not in result.text


def test_the_lead_can_be_turned_off() -> None:
    html = page(LEAD, f'<p class="lead">{LEAD}</p>')
    on = extract_html(html)
    # The lead's class names it too: the markup rule (tests/test_html_lead.py) is off.
    off = extract_html(html, config=ExtractConfig(lead_from_description=False,
                                                  lead_from_markup=False))
    assert isinstance(on, Extracted) and isinstance(off, Extracted)
    # trafilatura alone loses the lead in the article header: that is what is put back.
    assert LEAD not in off.text
    assert on.text == f"{LEAD}\n{off.text}"


CAPTION = "Der Schulhof der Grundschule am Markt wird als Erstes neu gestaltet."
CREDIT = "Foto: Jana Beispiel/Stadtanzeiger"


def _assert_block_left_out(label: str, heading: str, block: str, dropped: str,
                           rule_off: ExtractConfig) -> None:
    """`block` amid BODY's paragraphs: trafilatura alone (the rule off) keeps `dropped`,
    the rule on leaves it out and keeps every paragraph."""
    before = "".join(f"<p>{text}</p>" for text in BODY[:2])
    after = "".join(f"<p>{text}</p>" for text in BODY[2:])
    html = (f"<html><body><article><h1>{heading}</h1>{before}{block}{after}"
            "</article></body></html>")
    on = extract_html(html)
    off = extract_html(html, config=rule_off)
    assert isinstance(on, Extracted) and isinstance(off, Extracted)
    assert dropped in off.text, label
    assert dropped not in on.text, label
    assert all(text in on.text for text in BODY), label


@pytest.mark.parametrize(("label", "figure", "dropped"), [
    ("caption under an inline image",
     f'<div class="Bildunterschrift"><small class="imgCaption">{CAPTION}</small></div>',
     CAPTION),
    ("photo credit", f'<div class="image-credit">{CREDIT}</div>', CREDIT),
    ("photo credit by id", f'<div id="photoCredit">{CREDIT}</div>', CREDIT),
    ("Italian caption (dida) under a chart",
     '<div id="colonna_foto"><div class="dida">Grafico: femmine con cuccioli nel 2019</div></div>',
     "Grafico: femmine con cuccioli nel 2019"),
    ("French légende", '<p class="legende-photo">La cour de l\u2019école avant les travaux.</p>',
     "La cour de l\u2019école avant les travaux."),
    ("Spanish leyenda by id", '<span id="foto_leyenda">El patio del colegio, en 2019.</span>',
     "El patio del colegio, en 2019."),
])
def test_captions_and_credits_are_left_out(label: str, figure: str, dropped: str) -> None:
    _assert_block_left_out(label, "Schulen werden saniert", figure, dropped,
                           ExtractConfig(drop_captions=False))


@pytest.mark.parametrize("name", ["candidate-list", "budget", "legendary-box", "podpisy-petycji"])
def test_a_block_whose_class_only_contains_a_caption_word_is_kept(name: str) -> None:
    # The words in other languages count as whole tokens: "dida" stands in "candidate".
    paragraphs = "".join(f"<p>{text}</p>" for text in BODY)
    html = (f'<html><body><article>{paragraphs}<p class="{name}">{CAPTION}</p>'
            "</article></body></html>")
    result = extract_html(html)
    assert isinstance(result, Extracted)
    assert CAPTION in result.text, name


def test_a_long_block_whose_class_mentions_caption_is_kept() -> None:
    paragraphs = "".join(f"<p>{text}</p>" for text in BODY)
    html = (f'<html><body><article><div class="post has-caption">{paragraphs}</div>'
            "</article></body></html>")
    result = extract_html(html)
    assert isinstance(result, Extracted)
    assert all(text in result.text for text in BODY)


CTA = "Wir wollen wissen, was Sie über diesen Artikel denken: Schreiben Sie uns einen Leserbrief."


@pytest.mark.parametrize(("label", "box", "dropped"), [
    ("letters box at the end of the article",
     f'<section class="c-letters-cta"><p class="c-letters-cta__text">{CTA}</p></section>', True),
    ("call to action by id, underscore separated",
     f'<div id="article_cta_box"><p>{CTA}</p></div>', True),
    ("a class that merely contains the letters",
     f'<div class="octavia-text"><p>{CTA}</p></div>', False),
])
def test_calls_to_action_are_left_out(label: str, box: str, dropped: bool) -> None:
    paragraphs = "".join(f"<p>{text}</p>" for text in BODY)
    html = f"<html><body><article><h1>Schulen</h1>{paragraphs}{box}</article></body></html>"
    on = extract_html(html)
    off = extract_html(html, config=ExtractConfig(drop_calls_to_action=False))
    assert isinstance(on, Extracted) and isinstance(off, Extracted)
    assert CTA in off.text, label  # trafilatura alone keeps it
    assert (CTA not in on.text) is dropped, label


BLOCKER = "Klicken Sie auf den unteren Button, um den Inhalt von www.komoot.de zu laden."
NO_CONSENT = ("Nous aimerions afficher ici un formulaire d'inscription à la lettre "
              "d'information, mais vous n'avez pas donné votre consentement.")


@pytest.mark.parametrize(("label", "box", "dropped"), [
    ("a consent tool's placeholder for an embed",
     f'<div class="BorlabsCookie"><div class="_brlbs-content-blocker"><p>{BLOCKER}</p>'
     "</div></div>", BLOCKER),
    ("a placeholder by id where a newsletter form would be",
     f'<div id="noConsent"><p>{NO_CONSENT}</p></div>', NO_CONSENT),
])
def test_consent_placeholders_are_left_out(label: str, box: str, dropped: str) -> None:
    _assert_block_left_out(label, "Schulen", box, dropped, ExtractConfig(drop_consent=False))


def test_a_long_block_whose_class_mentions_cookies_is_kept() -> None:
    recipe = [
        "Für die Haferkekse die Butter mit dem Zucker schaumig schlagen und das Ei unterrühren.",
        "Haferflocken, Mehl, Backpulver und eine Prise Salz mischen und unter den Teig heben.",
        "Mit zwei Teelöffeln kleine Häufchen auf das Blech setzen, dabei genug Abstand lassen.",
        "Die Kekse bei 180 Grad etwa zwölf Minuten backen, bis die Ränder goldbraun sind.",
        "Auf dem Blech kurz abkühlen lassen und dann auf einem Gitter ganz auskühlen lassen.",
        "In einer Blechdose halten sich die Kekse gut zwei Wochen, wenn sie trocken lagern.",
        "Wer mag, gibt eine Handvoll gehackte Nüsse oder Rosinen zum Teig dazu.",
        "Statt Rosinen passen auch getrocknete Cranberrys oder ein paar Schokoladenstücke.",
    ]
    steps = "".join(f"<p>{text}</p>" for text in recipe)
    html = (f'<html><body><article><h1>Haferkekse</h1><div class="cookie-recipe">{steps}'
            "</div></article></body></html>")
    # Without the body fallback, which would put the paragraphs back on its own.
    result = extract_html(html, config=ExtractConfig(body_fallback=False))
    assert isinstance(result, Extracted)
    assert all(text in result.text for text in recipe)


# Issue 19: metadata from the page itself, and the article body trafilatura missed.

ARTICLE = "".join(f"<p>{text}</p>" for text in BODY)


def test_a_lone_sidebar_heading_is_not_the_title() -> None:
    html = ("<html><head><title>Schulen werden saniert</title></head><body>"
            f'<div class="sidebar"><h1>Ansprechpartner</h1><p>Frau Beispiel</p></div>'
            f'<div class="article-body">{ARTICLE}</div></body></html>')
    result = extract_html(html)
    assert isinstance(result, Extracted)
    assert result.title == "Schulen werden saniert"
    kept = extract_html(html, config=ExtractConfig(title_from_page=False))
    assert isinstance(kept, Extracted) and kept.title == "Ansprechpartner"


@pytest.mark.parametrize(("label", "head", "heading", "expect"), [
    ("the h1 is the <title> without the site's name", "<title>Schulen werden saniert | "
     "Stadtanzeiger</title>", "Schulen werden saniert", "Schulen werden saniert"),
    ("og:title names the heading", '<title>Stadtanzeiger</title><meta property="og:title" '
     'content="Schulen werden saniert">', "Schulen werden saniert", "Schulen werden saniert"),
    ("JSON-LD headline names the heading", '<title>Stadtanzeiger</title><script type='
     '"application/ld+json">{"@type": "NewsArticle", "headline": "Schulen werden saniert"}'
     "</script>", "Schulen werden saniert", "Schulen werden saniert"),
    ("no <title> to prefer", "", "Schulen werden saniert", "Schulen werden saniert"),
])
def test_heading_titles_the_page_agrees_with_stay(label: str, head: str, heading: str,
                                                 expect: str) -> None:
    html = (f"<html><head>{head}</head><body><h1>{heading}</h1>"
            f'<div class="article-body">{ARTICLE}</div></body></html>')
    result = extract_html(html)
    assert isinstance(result, Extracted), label
    assert result.title == expect, label


COMMENT = ('<time datetime="2021-03-04">4. März 2021</time><p>Endlich passiert etwas in '
           "dieser Stadt, das wurde wirklich auch Zeit!</p>")


@pytest.mark.parametrize(("label", "section"), [
    ("WordPress's comment area (trafilatura's own pattern)",
     f'<div id="comments" class="comments-area"><ol class="comment-list"><li class="comment">'
     f'<div class="comment-metadata">{COMMENT}</div></li></ol></div>'),
    ("schema.org Comment markup", f'<div class="user-area"><article itemscope '
     f'itemtype="https://schema.org/Comment">{COMMENT}</article></div>'),
    ("itemprop comment", f'<div class="reactions"><div itemprop="comment">{COMMENT}</div></div>'),
    ("a class token that is not the first", f'<section class="c-box comments-list">{COMMENT}'
     "</section>"),
    ("German class", f'<div class="kommentare">{COMMENT}</div>'),
])
def test_a_comment_timestamp_is_not_the_publication_date(label: str, section: str) -> None:
    html = ("<html><head><title>Schulen werden saniert</title></head><body>"
            f'<div class="article-body"><h1>Schulen werden saniert</h1>{ARTICLE}</div>'
            f"{section}</body></html>")
    result = extract_html(html)
    assert isinstance(result, Extracted), label
    assert result.published is None, label
    assert "Endlich passiert etwas" not in result.text, label
    before = extract_html(html, config=ExtractConfig(drop_comment_sections=False))
    assert isinstance(before, Extracted) and before.published == "2021-03-04", label


@pytest.mark.parametrize(("label", "post"), [
    ("a list item whose class is a share bar's comment counter",
     '<ul class="share"><li class="comments"><a href="#c">12 Kommentare</a></li></ul>'),
    ("a wrapper whose class only ends with comments",
     f'<div class="post has-comments">{ARTICLE}</div>'),
])
def test_what_only_looks_like_a_comment_section_stays(label: str, post: str) -> None:
    html = ("<html><head><title>Schulen werden saniert</title></head><body>"
            f'<h1>Schulen werden saniert</h1>{post}'
            f'<div class="article-body">{ARTICLE}</div></body></html>')
    tree = lxml_html.fromstring(html)
    assert marked_comments(tree) == [], label


# The page's metadata (JSON-LD, og:, article:published_time) comes before its body text:
# an "updated" date in the text is not the publication date, a sidebar's heading is not
# the title.
UPDATED = '<p>Aktualisiert am <time datetime="2024-06-07">7. Juni 2024</time></p>'


@pytest.mark.parametrize(("label", "head", "title", "published"), [
    ("JSON-LD", '<script type="application/ld+json">{"@type": "NewsArticle", "headline": '
     '"Schulen werden saniert", "datePublished": "2023-05-02T08:00:00+02:00"}</script>',
     "Schulen werden saniert", "2023-05-02"),
    ("og: and article:", '<meta property="og:title" content="Schulen werden saniert">'
     '<meta property="article:published_time" content="2023-05-02T08:00:00+02:00">',
     "Schulen werden saniert", "2023-05-02"),
    ("no metadata: the <title>, and the date the text shows", "", "Stadtanzeiger",
     "2024-06-07"),
])
def test_metadata_comes_before_the_body_text(label: str, head: str, title: str,
                                              published: str) -> None:
    html = (f"<html><head><title>Stadtanzeiger</title>{head}</head><body>"
            "<aside><h1>Ansprechpartner</h1><p>Frau Beispiel</p></aside>"
            f'<div class="article-body">{UPDATED}{ARTICLE}</div></body></html>')
    result = extract_html(html)
    assert isinstance(result, Extracted), label
    assert (result.title, result.published) == (title, published), label


def test_a_forum_thread_keeps_its_posts() -> None:
    posts = "".join(f'<div class="comment-body"><p>{text}</p></div>' for text in BODY)
    html = ('<html><head><script type="application/ld+json">{"@type": '
            '"DiscussionForumPosting", "headline": "Schulen"}</script></head><body>'
            f"<h1>Schulen</h1>{posts}</body></html>")
    result = extract_html(html)
    assert isinstance(result, Extracted)
    assert BODY[0] in result.text


def test_body_paragraphs_are_the_densest_container() -> None:
    page = lxml_html.fromstring(
        '<html><body><nav><p>' + BODY[0] + '</p></nav><div class="teasers">'
        + "".join(f'<p><a href="/{n}">{text}</a></p>' for n, text in enumerate(BODY))
        + f'</div><div class="story">{ARTICLE}</div><p>short</p></body></html>')
    assert body_paragraphs(page) == BODY


@pytest.mark.parametrize(("label", "text", "added"), [
    ("nothing extracted: the body is the text", "", True),
    ("a caption only: the body is added", "Foto: Stadtanzeiger", True),
    ("most of the body extracted: left alone", "\n".join(BODY[:3]), False),
    ("longer than the body (the article is elsewhere): left alone",
     "\n".join(["Ein ganz anderer, langer Artikel über den Haushalt der Stadt."] * 12), False),
])
def test_article_body_is_added_only_when_the_extraction_misses_it(label: str, text: str,
                                                                  added: bool) -> None:
    page = lxml_html.fromstring(f'<html><body><div class="story">{ARTICLE}</div></body></html>')
    out = with_article_body(page, text, ExtractConfig())
    assert (out != text) is added, label
    if added:
        assert all(paragraph in out for paragraph in BODY), label
        assert out.startswith(text), label


# The article body a page declares in JSON-LD, for pages that render it with a script.

def declared(body: str) -> str:
    data = json.dumps({"@context": "https://schema.org", "@graph": [
        {"@type": "WebPage", "name": "Stadtanzeiger"},
        {"@type": "NewsArticle", "headline": "Schulen werden saniert", "articleBody": body}]})
    return f'<script type="application/ld+json">{data}</script>'


# Shown besides the lead, long enough that trafilatura's own JSON-LD fallback (for pages
# with almost no text) stays off.
SHOWN = (f"<p>{LEAD}</p><p>Im Rathaus hängt seit gestern eine Liste aller Schulen, die in "
         "den kommenden Jahren an die Reihe kommen, mit den geschätzten Kosten und dem "
         "geplanten Beginn der Arbeiten an jedem einzelnen Standort.</p>")


@pytest.mark.parametrize(("label", "head", "shown", "added"), [
    ("only the lead is in the markup: the declared paragraphs come back",
     declared("\n".join(BODY)), SHOWN, True),
    ("the declared body as HTML", declared("".join(f"<p>{t}</p>" for t in BODY)), SHOWN,
     True),
    ("the markup holds the article already", declared("\n".join(BODY)),
     f"{SHOWN}{ARTICLE}", False),
    ("broken JSON-LD is ignored", '<script type="application/ld+json">{"articleBody": '
     f'"{BODY[0]}",,}}</script>', SHOWN, False),
    ("a declared body too short to judge", declared("Kurz."), SHOWN, False),
])
def test_the_declared_article_body_fills_a_script_rendered_page(
        label: str, head: str, shown: str, added: bool) -> None:
    html = (f"<html><head><title>Schulen werden saniert</title>{head}</head><body>"
            f'<div id="app"><h1>Schulen werden saniert</h1>{shown}</div></body></html>')
    result = extract_html(html)
    plain = extract_html(html, config=ExtractConfig(declared_body=False))
    assert isinstance(result, Extracted) and isinstance(plain, Extracted), label
    lines = result.text.split("\n")
    assert LEAD in lines, label
    if added:
        assert all(paragraph in lines for paragraph in BODY), label
        assert not any(paragraph in plain.text for paragraph in BODY), label
    else:
        assert result.text == plain.text, label


# Lines the page shows only in its navigation, footer or sidebar.
BLURB = ("Iberische Weine in Berlin: ein Familienbetrieb für spanische und portugiesische "
         "Weine und Lebensmittel.")


@pytest.mark.parametrize(("label", "body", "dropped"), [
    ("a site blurb in the menu bar", f"<nav><span>{BLURB}</span></nav>{ARTICLE}", [BLURB]),
    ("a footer's line", f"{ARTICLE}<footer><p>{BLURB}</p></footer>", [BLURB]),
    ("a sidebar's line", f"{ARTICLE}<aside><p>{BLURB}</p></aside>", [BLURB]),
    ("shown in the article as well", f"<nav><span>{BLURB}</span></nav><p>{BLURB}</p>"
     f"{ARTICLE}", []),
    ("an article wrapped in a nav stays whole", f"<nav>{ARTICLE}</nav><p>{BLURB}</p>", []),
])
def test_lines_shown_only_in_page_chrome_leave(label: str, body: str,
                                               dropped: list[str]) -> None:
    text = "\n".join([BLURB, *BODY])
    kept = without_page_chrome(tree(body), text).split("\n")
    assert kept == [line for line in text.split("\n") if line not in dropped], label


# (language, a text-only div opening the body, the body's paragraphs)
TEXT_BLOCKS = [
    ("fr", "La firme Bayer, propriétaire de Monsanto, a été condamnée lundi aux Etats-Unis "
     "à payer deux milliards de dollars à un couple atteint d\u2019un cancer.",
     ["Le jury californien a estimé que l\u2019herbicide avait joué un rôle important dans la "
      "maladie des deux plaignants, qui l\u2019utilisaient depuis trente ans.",
      "Le groupe allemand a annoncé qu\u2019il ferait appel de cette décision, comme il l\u2019a "
      "fait pour les deux condamnations précédentes.",
      "Plus de treize mille procédures du même genre sont en cours aux Etats-Unis, selon "
      "les chiffres publiés par l\u2019entreprise en avril."]),
    ("de", BODY[0], BODY[1:]),
    ("es", "El ayuntamiento aprobó el martes el plan para renovar todas las escuelas de la "
     "ciudad antes de que termine la década.",
     ["Las obras empezarán por los colegios de primaria, cuyos tejados y calefacciones "
      "llevan años en mal estado según las familias.",
      "La asociación de madres y padres celebró la decisión, aunque pidió un calendario "
      "detallado para cada uno de los centros.",
      "El consistorio presentará ese calendario antes del verano y dará cuenta de los "
      "avances cada año en un pleno abierto."]),
]


def _text_block_page(block: str, body: list[str], where: str = "before") -> str:
    paragraphs = "".join(f"<p>{text}</p>" for text in body)
    opening, closing = (block, "") if where == "before" else ("", block)
    return (f"<html><body><article><h1>Titel</h1><div class='body'>{opening}"
            f"<div class='paragraphs'>{paragraphs}</div>{closing}</div></article></body></html>")


@pytest.mark.parametrize(("language", "lead", "body"), TEXT_BLOCKS)
def test_a_text_only_div_opening_the_body_is_put_back(language: str, lead: str,
                                                       body: list[str]) -> None:
    # What trafilatura returns when it drops the div: the body's paragraphs only.
    tree = lxml_html.fromstring(_text_block_page(f"<div><!-- paging --><b>{lead}</b></div>", body))
    text = "\n".join(["Titel", *body])
    assert with_text_blocks(tree, text).split("\n") == ["Titel", lead, *body], language
    # A text that has it already, anywhere, is left alone.
    assert with_text_blocks(tree, f"{text}\n{lead}") == f"{text}\n{lead}", language


@pytest.mark.parametrize(("label", "block", "where"), [
    ("after the body's last paragraph", "<div>{}</div>", "after"),
    ("a kicker, not a sentence", "<div>Bayer condamné</div>", "before"),
    ("mostly a link", "<div><a href='/autre'>{}</a></div>", "before"),
    ("in the page header", "<header><div>{}</div><div><p>" + TEXT_BLOCKS[0][2][0]
     + "</p></div></header>", "before"),
    ("a block holding a paragraph", "<div><p>{}</p></div>", "before"),
])
def test_other_text_only_divs_are_not_put_back(label: str, block: str, where: str) -> None:
    _, lead, body = TEXT_BLOCKS[0]
    tree = lxml_html.fromstring(_text_block_page(block.format(lead), body, where))
    text = "\n".join(body)
    assert with_text_blocks(tree, text) == text, label


def test_a_block_the_extraction_was_told_to_leave_out_is_not_put_back() -> None:
    _, lead, body = TEXT_BLOCKS[2]
    tree = lxml_html.fromstring(_text_block_page(f"<div class='foto-leyenda'>{lead}</div>", body))
    text = "\n".join(body)
    assert with_text_blocks(tree, text) != text  # a text-only div opening the body...
    pruned = ("//*[contains(@class, 'leyenda')]",)
    assert with_text_blocks(tree, text, pruned) == text  # ...unless it was pruned


def test_text_blocks_come_back_through_extract_html_only_when_missing() -> None:
    _, lead, body = TEXT_BLOCKS[1]
    html = _text_block_page(f"<div>{lead}</div>", body)
    on = extract_html(html)
    off = extract_html(html, config=ExtractConfig(text_blocks=False))
    assert isinstance(on, Extracted) and isinstance(off, Extracted)
    assert on.text.count(lead) == 1 and on.text == off.text


@pytest.mark.parametrize("name", ["alert-banner", "only-no-js", "cookie-notice", "c-popup__text"])
def test_a_notice_over_the_page_is_not_put_back(name: str) -> None:
    body = TEXT_BLOCKS[1][2]
    notice = "Diese Seite funktioniert am besten, wenn JavaScript in Ihrem Browser aktiviert ist."
    tree = lxml_html.fromstring(_text_block_page(f"<div class='{name}'>{notice}</div>", body))
    text = "\n".join(body)
    assert with_text_blocks(tree, text) == text, name
    plain = lxml_html.fromstring(_text_block_page(f"<div class='text'>{notice}</div>", body))
    assert with_text_blocks(plain, text) == f"{notice}\n{text}", name


def test_a_no_js_class_on_the_page_root_is_not_a_notice() -> None:
    # Modernizr-style pages start as <html class="no-js">; their text blocks still count.
    _, lead, body = TEXT_BLOCKS[0]
    html = _text_block_page(f"<div>{lead}</div>", body).replace("<html>", '<html class="no-js">')
    text = "\n".join(body)
    assert with_text_blocks(lxml_html.fromstring(html), text) == f"{lead}\n{text}"
