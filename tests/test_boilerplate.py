"""Tests for cleaners/boilerplate/: lexicon kinds, content kept, structure, invariants."""

# The cases are real multilingual text: typographic apostrophes, dashes and Cyrillic
# letters are what is being tested, not look-alikes typed by mistake.
# ruff: noqa: RUF001

from __future__ import annotations

import functools
import importlib.util
import json
import re
import unicodedata
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import re2
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners.boilerplate import (
    SHIPPED_LANGUAGES,
    STRUCTURAL_RULES,
    BoilerplateConfig,
    Lexicon,
    load_lexicon,
    strip_boilerplate,
    template_key,
)

EVAL = Path(__file__).resolve().parents[1].parent / "shared" / "eval"
FLOORS = Path(__file__).with_name("quality_floors.json")
PATTERNS = Path(__file__).resolve().parents[1] / "cleaners" / "patterns"

LEXICON = load_lexicon(BoilerplateConfig())
RULES_ONLY = replace(LEXICON, line_model=None)

# A paragraph long enough to be body text, to give the structural rules a document.
BODY = "The council voted on Tuesday to extend the programme for another three years."
BODY_FR = "Le conseil municipal a voté mardi la prolongation du programme pour trois ans."


def strip(lines: list[str], **kwargs: Any) -> tuple[list[str], dict[str, str]]:
    """Kept texts and {removed text: reason} of a document, under the default config."""
    result = strip_boilerplate(lines, LEXICON, **kwargs)
    return [line.text for line in result.kept], {r.text: r.reason for r in result.removed}


# --- the lexicon, one kind at a time, in several languages ------------------------------

LEXICON_CASES = [
    # cookie and consent banners
    ("We use cookies to give you the best experience on our website.", "cookie_banner"),
    ("Ce site utilise des cookies.", "cookie_banner"),
    ("En poursuivant votre navigation, vous acceptez l'utilisation de cookies.",
     "cookie_banner"),
    ("Diese Website verwendet Cookies, um Ihnen ein besseres Erlebnis zu bieten.",
     "cookie_banner"),
    ("Alle akzeptieren", "cookie_banner"),
    ("Utilizamos cookies propias y de terceros para mejorar nuestros servicios.",
     "cookie_banner"),
    ("Questo sito utilizza cookie tecnici e di profilazione.", "cookie_banner"),
    ("Este site utiliza cookies para melhorar a sua experiência.", "cookie_banner"),
    ("Deze website gebruikt cookies.", "cookie_banner"),
    ("Ta strona używa plików cookie.", "cookie_banner"),
    ("Мы используем файлы cookie для улучшения работы сайта.", "cookie_banner"),
    ("Tämä sivusto käyttää evästeitä.", "cookie_banner"),
    # share, follow, subscribe
    ("Spread the love", "share_prompt"),
    ("Share this article", "share_prompt"),
    ("Partager sur Facebook", "share_prompt"),
    ("Facebook Twitter WhatsApp E-mail", "share_prompt"),
    ("n’hésitez pas à partager notre article sur les réseaux sociaux", "share_prompt"),
    ("Compartir en WhatsApp", "share_prompt"),
    ("Поделиться", "share_prompt"),
    ("Suivez RT France sur Telegram", "follow_prompt"),
    ("Follow us on Instagram", "follow_prompt"),
    ("Folgen Sie uns auf Facebook", "follow_prompt"),
    ("Síguenos en Twitter", "follow_prompt"),
    ("Seguici su Facebook", "follow_prompt"),
    ("Подписывайтесь на нас в Telegram", "follow_prompt"),
    # comments
    ("Leave A Reply", "comment_prompt"),
    ("Discuter", "comment_prompt"),
    ("Laisser un commentaire", "comment_prompt"),
    ("12 comments", "comment_prompt"),
    ("Schreibe einen Kommentar", "comment_prompt"),
    ("Deja un comentario", "comment_prompt"),
    ("Your email address will not be published. Required fields are marked *",
     "comment_prompt"),
    ("Jätä kommentti", "comment_prompt"),
    ("Les opinions exprimées dans les commentaires sont le fait de leurs auteurs.",
     "comment_disclaimer"),
    ("Die Kommentare geben nicht die Meinung der Redaktion wieder.", "comment_disclaimer"),
    # newsletters and paywalls
    ("Sign up for our daily newsletter", "newsletter_prompt"),
    ("Inscrivez-vous à notre newsletter", "newsletter_prompt"),
    ("Newsletter abonnieren", "newsletter_prompt"),
    ("Suscríbete a nuestro boletín", "newsletter_prompt"),
    ("Tilaa uutiskirje", "newsletter_prompt"),
    ("Cet article est réservé aux abonnés.", "paywall_notice"),
    ("Already a subscriber? Log in", "paywall_notice"),
    ("Contenido exclusivo para suscriptores", "paywall_notice"),
    ("To view the full story, please subscribe to The Haitian Times.", "paywall_notice"),
    ("To continue reading this article, log in or register for free", "paywall_notice"),
    ("To read the full article, click here.", "paywall_notice"),
    ("To read the full story:", "paywall_notice"),
    ("January 13, 2020 at 08:45 AM | categories: Python, Mercurial | View Comments",
     "comment_prompt"),
    ("Posted by Anna in News | 12 Comments", "comment_prompt"),
    # related articles and read more
    ("À lire aussi : Macron reçoit les syndicats", "related_link"),
    ("Read more", "related_link"),
    ("Lesen Sie auch: Die Lage in Berlin", "related_link"),
    ("Leer también", "related_link"),
    ("Leggi anche", "related_link"),
    ("Leia também", "related_link"),
    ("Lees ook", "related_link"),
    ("Czytaj też", "related_link"),
    ("Читайте также", "related_link"),
    ("Lue myös", "related_link"),
    # credits and captions
    ("Photo: Jane Smith/Reuters", "photo_credit"),
    ("Foto: Max Mustermann", "photo_credit"),
    ("Foto: dpa", "source_credit"),
    ("Title of the story© Sputnik/Ivan Petrov", "photo_credit"),
    ("Le président lors d'une visite à Moscou (image d'illustration).", "photo_credit"),
    ("Des policiers à Paris (photo d'archives)", "photo_caption"),
    ("Symbolbild", "photo_caption"),
    ("Sputnik", "source_credit"),
    ("AFP/Getty Images", "source_credit"),
    ("Quelle: dpa", "source_credit"),
    # bylines and datelines
    ("By Jane Doe", "byline"),
    ("Par Jean Dupont", "byline"),
    ("Von Max Mustermann", "byline"),
    ("Publié le 7 novembre 2020 à 14h32", "byline"),
    ("Автор: Иван Петров", "byline"),
    ("November 7, 2020", "dateline"),
    ("7. November 2020, 14:30 Uhr", "dateline"),
    ("23 de agosto de 2020", "dateline"),
    ("14 мая 2020 г.", "dateline"),
    ("31. joulukuuta 2020", "dateline"),
    ("date 2020-11 , 7 nov. () –", "dateline"),
    # navigation
    ("Skip to content", "navigation"),
    ("Accueil", "navigation"),
    ("Mentions légales", "navigation"),
    ("Impressum", "navigation"),
    ("Iniciar sesión", "navigation"),
    ("Page 2 of 5", "navigation"),
    ("Tags: politics, europe", "navigation"),
    ("Strona główna", "navigation"),
    # ads and credits
    ("Advertisement", "advertisement"),
    ("Anzeige", "advertisement"),
    ("Publicité", "advertisement"),
    ("Publicidad", "advertisement"),
    ("Реклама", "advertisement"),
    ("Mainos", "advertisement"),
    ("Social Media Auto Publish Powered By : XYZScripts.com", "powered_by"),
    ("Proudly powered by WordPress", "powered_by"),
    ("Propulsé par WordPress", "powered_by"),
    ("© 2020 Example Media. All rights reserved.", "copyright_notice"),
    ("Tous droits réservés", "copyright_notice"),
    ("Please enable JavaScript to view the comments.", "javascript_notice"),
    # shops, reviews, forums, wikis
    ("Add to cart", "shop_widget"),
    ("In den Warenkorb", "shop_widget"),
    ("Envío gratis", "shop_widget"),
    ("124 reviews", "review_widget"),
    ("Reply with quote", "forum_widget"),
    ("Retrieved from https://en.wikipedia.org/wiki/Example", "wiki_widget"),
    ("Wikimedia Commons has media related to Lisbon.", "wiki_widget"),
    # review votes, forum counters, pingbacks
    ("- 41 of 49 people found this review helpful", "review_widget"),
    ("37 von 40 Kunden fanden die folgende Bewertung hilfreich", "review_widget"),
    ("12 personnes sur 15 ont trouvé cet avis utile", "review_widget"),
    ("A 8 de 10 personas les ha parecido útil", "review_widget"),
    ("Rating: 4.5/5", "review_widget"),
    ("23 users online", "forum_widget"),
    ("14 Benutzer sind online. Registrierte Benutzer: 2, Gäste: 12", "forum_widget"),
    ("Pingback: Ten spring recipes | Another food blog", "forum_widget"),
    # comment prompts when there are none, or for members only
    ("There are no comments yet", "comment_prompt"),
    ("Noch keine Kommentare vorhanden", "comment_prompt"),
    ("Aucun commentaire pour le moment", "comment_prompt"),
    ("Todavía no hay comentarios", "comment_prompt"),
    ("Nessun commento", "comment_prompt"),
    ("Ainda não há comentários", "comment_prompt"),
    ("Nog geen reacties", "comment_prompt"),
    ("Brak komentarzy", "comment_prompt"),
    ("Комментариев пока нет", "comment_prompt"),
    ("Please log in or register to join the discussion.", "comment_prompt"),
    ("Only subscribers are eligible to post comments on this site.", "comment_prompt"),
    ("Um Beiträge kommentieren zu können, müssen Sie angemeldet sein.", "comment_prompt"),
    ("Vous devez être connecté pour commenter cet article.", "comment_prompt"),
    # account prompts, page numbers, result counts, related searches
    ("Not registered yet? Create an account", "navigation"),
    ("Noch kein Konto?", "navigation"),
    ("Vous n'avez pas encore de compte ?", "navigation"),
    ("¿Ya tienes una cuenta?", "navigation"),
    ("Non hai ancora un account?", "navigation"),
    ("Já tem uma conta?", "navigation"),
    ("Heb je al een account?", "navigation"),
    ("Nie masz jeszcze konta?", "navigation"),
    ("Уже есть аккаунт?", "navigation"),
    ("Invalid username or password", "navigation"),
    ("Seite 3", "navigation"),
    ("Strona 12", "navigation"),
    ("1 - 10 of 24 results for \"garden chairs\"", "shop_widget"),
    ("0 Ergebnisse für gebrauchte Fahrräder", "shop_widget"),
    ("Mostrando 1 - 20 de 95 resultados", "shop_widget"),
    ("Aucun résultat pour cette recherche", "shop_widget"),
    ("Related questions", "related_link"),
    ("Búsquedas relacionadas con pisos en alquiler", "related_link"),
    ("Ähnliche Suchanfragen", "related_link"),
    ("Read the digital edition", "paywall_notice"),
    # country and language pickers, skip links, retry prompts, recently viewed
    ("Please select your location", "navigation"),
    ("Choose your country and language", "navigation"),
    ("Choisissez votre pays", "navigation"),
    ("Wählen Sie Ihr Land aus", "navigation"),
    ("Sprache auswählen", "navigation"),
    ("Selecciona tu país", "navigation"),
    ("Seleziona la tua lingua", "navigation"),
    ("Selecione o seu país", "navigation"),
    ("Kies je land", "navigation"),
    ("Wybierz kraj", "navigation"),
    ("Выберите язык", "navigation"),
    ("Valitse kieli", "navigation"),
    ("This page is also available in the following languages:", "navigation"),
    ("Tämä sivu on saatavilla myös muilla kielillä:", "navigation"),
    ("Suomi (fi)", "navigation"),
    ("- Português (do Brasil) (pt-BR)", "navigation"),
    ("English | Deutsch | Français", "navigation"),
    ("Skip to main content", "navigation"),
    ("Direkt zum Inhalt springen", "navigation"),
    ("Zur Hauptnavigation wechseln", "navigation"),
    ("Aller au contenu principal", "navigation"),
    ("Saltar al contenido", "navigation"),
    ("Vai al contenuto", "navigation"),
    ("Ir para o conteúdo", "navigation"),
    ("Naar de inhoud", "navigation"),
    ("Przejdź do treści", "navigation"),
    ("Перейти к содержимому", "navigation"),
    ("Siirry sisältöön | Siirry navigointiin", "navigation"),
    ("Log in/Sign up", "navigation"),
    ("Anmelden / Registrieren", "navigation"),
    ("Please try again later.", "navigation"),
    ("Bitte versuchen Sie es später erneut.", "navigation"),
    ("Yritä uudelleen", "navigation"),
    ("Something went wrong. Please try again.", "navigation"),
    ("Arvioiden lataaminen ei onnistunut.", "navigation"),
    ("Veröffentlicht unter Allgemein, Termine |", "navigation"),
    ("There are no products that matched your search.", "shop_widget"),
    ("Recently viewed items", "shop_widget"),
    ("Zuletzt angesehene Artikel", "shop_widget"),
    ("Vus récemment", "shop_widget"),
    ("Äskettäin katsotut kohteet", "shop_widget"),
    ("Ostatnio oglądane produkty", "shop_widget"),
    ("Was this review helpful to you?", "review_widget"),
    ("War diese Bewertung hilfreich?", "review_widget"),
    ("Next chapter", "related_link"),
    ("Chapitre suivant", "related_link"),
    ("Nächstes Kapitel", "related_link"),
    ("See full summary »", "related_link"),
    ("Comments Off", "comment_prompt"),
    ("Thema News | Kommentare deaktiviert", "comment_prompt"),
    ("Wir begrüßen unseren neuesten Benutzer, Anna.", "forum_widget"),
    ("All times are UTC + 1 hour", "forum_widget"),
    # company registration details of a footer or an imprint
    ("Registergericht: Amtsgericht Köln", "imprint"),
    ("USt-IdNr.: DE123456789", "imprint"),
    ("VAT number: GB 123 4567 89", "imprint"),
    ("SIRET : 123 456 789 00012", "imprint"),
    ("P.IVA 01234567890", "imprint"),
    ("KvK-nummer: 12345678", "imprint"),
    ("NIP: 123-456-78-90", "imprint"),
    ("ИНН 7701234567", "imprint"),
    ("Y-tunnus: 1234567-8", "imprint"),
    ("Tämän sivun sisällöstä vastaa viestintäyksikkö", "imprint"),
    # follow prompts whose icons were dropped, session notices, file links, price lines
    ("Follow us on", "follow_prompt"),
    ("and become a fan on", "follow_prompt"),
    ("Suivez-nous sur", "follow_prompt"),
    ("Folgen Sie uns auf", "follow_prompt"),
    ("Síguenos en", "follow_prompt"),
    ("Seguici su", "follow_prompt"),
    ("Siga-nos no", "follow_prompt"),
    ("Volg ons op", "follow_prompt"),
    ("Obserwuj nas na", "follow_prompt"),
    ("Подписывайтесь на нас в", "follow_prompt"),
    ("Your session has expired. Please log in again.", "navigation"),
    ("Ihre Sitzung ist abgelaufen", "navigation"),
    ("Istunto vanhentunut", "navigation"),
    ("Votre session a expiré", "navigation"),
    ("Download the annual report (PDF)", "navigation"),
    ("Pressemitteilung als PDF", "navigation"),
    ("Télécharger le dossier de presse en PDF", "navigation"),
    ("- Vortrag über Zecken (PDF, 1,5 MB)", "navigation"),
    ("Rapport annuel 2019 (2,4 Mo)", "navigation"),
    ("from 8.49 GBP", "shop_widget"),
    ("€19.00 FREE shipping", "shop_widget"),
    ("ab 29,90 €", "shop_widget"),
    ("desde 15 €", "shop_widget"),
    ("od 49,99 zł", "shop_widget"),
    # donation and membership pleas
    ("Support our journalism. Become a member today.", "donation_prompt"),
    ("Donate now", "donation_prompt"),
    ("Support Example News with just $5", "donation_prompt"),
    ("Unterstütze RosaNews bereits mit 2,50 €!", "donation_prompt"),
    ("Jetzt spenden", "donation_prompt"),
    ("Soutenez-nous !", "donation_prompt"),
    ("Faire un don", "donation_prompt"),
    ("Apóyanos", "donation_prompt"),
    ("Sostienici", "donation_prompt"),
    ("Apoie o nosso jornalismo", "donation_prompt"),
    ("Steun ons", "donation_prompt"),
    ("Wesprzyj nas", "donation_prompt"),
    ("Поддержите нас", "donation_prompt"),
    ("Tue journalismiamme", "donation_prompt"),
    ("MIRA: Madre se acerca a conocer los motivos de la detención", "related_link"),
    # reply and join-the-discussion buttons, archive links, site-version switches
    ("Reply to this comment", "comment_prompt"),
    ("Responde a este comentario aquí.", "comment_prompt"),
    ("Auf diesen Kommentar antworten", "comment_prompt"),
    ("Répondre à ce commentaire", "comment_prompt"),
    ("Liity keskusteluun.", "comment_prompt"),
    ("Dołącz do dyskusji", "comment_prompt"),
    ("Thread Index |", "forum_widget"),
    ("Date Prev | Date Next | Thread Prev | Thread Next", "forum_widget"),
    ("View in: Desktop", "navigation"),
    ("Mobile site", "navigation"),
    ("Zur Desktop-Version", "navigation"),
    ("Version mobile", "navigation"),
    ("Versión de escritorio", "navigation"),
    ("Мобильная версия сайта", "navigation"),
    ("Näytä tietokoneversio", "navigation"),
    ("Shop all vintage rugs", "shop_widget"),
    ("License Photo", "shop_widget"),
    ("Jetzt shoppen", "shop_widget"),
    ("Näytetään 1-15 / 28 hotellia", "shop_widget"),
]


@pytest.mark.parametrize(("line", "reason"), LEXICON_CASES)
def test_lexicon_reason(line: str, reason: str) -> None:
    rule = LEXICON.match(line)
    assert rule is not None, line
    assert rule.reason == reason


@pytest.mark.parametrize(("line", "reason"), LEXICON_CASES)
def test_lexicon_line_is_removed_in_a_document(line: str, reason: str) -> None:
    kept, removed = strip([BODY, line, BODY.replace("Tuesday", "Monday")])
    assert removed == {line.strip(): reason}
    assert line.strip() not in kept


# --- content that must be kept ----------------------------------------------------------

CONTENT_LINES = [
    "More than 200 people died in the floods, officials said.",
    "By 2050, the population of the region is expected to double.",
    "By Monday, the company must answer the regulator.",
    "Updated guidance was issued by the ministry on Friday.",
    "These cookies are made with brown butter and a pinch of salt.",
    "Share prices fell sharply after the announcement.",
    "To read the full story of his family, he went back to the parish registers in Cork, "
    "where the priest let him copy every page of them by hand over one long winter.",
    "The minister said there were no comments | the press office confirmed it later.",
    "To read the full story of the war you have to go to the archive in Berlin, they say.",
    "Les questions de sécurité",
    "Des questions de l'agenda international",
    "Macron et Poutine face au Covid-19",
    "Die Lage in der Ukraine",
    "Weitere Informationen und Antworten auf häufig gestellte Fragen finden Sie auf der "
    "Seite des Ministeriums, die laufend aktualisiert wird.",
    "«Nous ne céderons pas», a-t-il dit.",
    "“Never again.”",
    "- 200 g de farine",
    "- 3 eggs",
    "1. Preheat the oven to 180 °C.",
    "Ingredients",
    "Conclusion",
    "Mars",
    "Raconter des histoires est un métier.",
    "Seguinte a isso, o governo decidiu manter as medidas por mais duas semanas.",
    "Toimitus muistuttaa lukijoita siitä, että kilpailu päättyy perjantaina.",
    "Read the full report by the commission before drawing conclusions.",
    "Suivant les recommandations du gouvernement, les écoles restent fermées.",
    "Następny krok to rozmowy z rządem w przyszłym tygodniu.",
    "Seuraava vaihe on neuvottelut hallituksen kanssa.",
    "Source of the Nile",
    # near the new patterns: a page of a report, street addresses, forum words in prose
    "Page 12 of the report shows that exports grew.",
    "Ottostraße 14",
    "Maistraße 3, 80331 München",
    "Via Settembrini 12",
    "Marktplatz 5",
    "Only members of the committee can vote on the budget.",
    "There are no easy answers to this question.",
    "Posts and telecommunications were privatised in 1998.",
    # near the pickers, skip links and imprint patterns: a subject, a heading, prose
    "English",
    "Deutsch als Fremdsprache",
    "Language",
    "Ein Gesprächspartner nimmt Ihr Anliegen entgegen.",
    "Choose your words carefully when you write to the court.",
    "Zum Inhalt des Buches",
    "Geschäftsführer Müller sagte, das Werk bleibe offen.",
    "Veröffentlicht in der Zeitschrift für Rechtspolitik",
    "Next year the chapter will open a second office.",
    "Try again and again until the dough is smooth.",
    "An error occurred in the ministry's figures, the auditors said.",
    "Tapahtui virhe, jonka vuoksi juna myöhästyi tunnin.",
    "Następny rozdział historii miasta zaczyna się w 1945 roku, gdy wraca pokój.",
    "Follow the river on foot for two hours.",
    "The file grew from 2 MB to 40 MB in a year (see table).",
    "Ab 2021 gilt die neue Regel.",
    "Die Sitzung ist abgelaufen, ohne dass ein Beschluss gefasst wurde, sagte sie.",
    "Support us in our fight against the new law",
    "Spenden für die Flutopfer wurden in der ganzen Stadt gesammelt",
    "Donate blood and save lives",
    "Mira hacia el futuro con optimismo",
    "Standard",
    "Mobile",
    "This is where the locals shop now",
]


@pytest.mark.parametrize("line", CONTENT_LINES)
def test_content_line_is_kept(line: str) -> None:
    kept, removed = strip(["A headline about the floods", BODY, line, BODY_FR])
    assert removed == {}
    assert line in kept


def test_title_and_subheadings_are_kept_among_boilerplate() -> None:
    lines = [
        "Macron s'entretient avec Poutine",
        "",
        BODY_FR,
        "Sputnik",
        BODY_FR.replace("mardi", "lundi"),
        "Les questions de sécurité",
        BODY_FR.replace("trois", "quatre"),
        "Discuter",
    ]
    kept, removed = strip(lines)
    assert kept[0] == "Macron s'entretient avec Poutine"
    assert "Les questions de sécurité" in kept
    assert removed == {"Sputnik": "source_credit", "Discuter": "comment_prompt"}


def test_a_lede_opening_with_the_title_words_is_kept() -> None:
    lede = "Macron visits Moscow for talks with Putin on Ukraine and Libya, officials say."
    kept, removed = strip([lede, BODY], title="Macron visits Moscow")
    assert removed == {}
    assert kept == [lede, BODY]


def test_explicit_title_is_protected_and_its_repeat_removed() -> None:
    title = "Poutine et Macron s'entretiennent sur l'avenir des relations Russie-UE"
    lines = [title, f"{title} | Le Journal", BODY_FR]
    kept, removed = strip(lines, title=title)
    assert kept == [title, BODY_FR]
    assert removed == {f"{title} | Le Journal": "title_repeat"}


# --- structural rules -------------------------------------------------------------------

STRUCTURAL_CASES = [
    ("€36.93", "symbol_line"),
    ("05.11.2016, 22:40", "symbol_line"),
    ("|||+|", "symbol_line"),
    ("Home > News > World", "breadcrumb"),
    ("Accueil » Monde » Europe", "breadcrumb"),
    ("|Depth of snow on upper runs||0 cm|", "table_row"),
    ("|Tickets||Adults||Children|", "table_row"),
]


@pytest.mark.parametrize(("line", "reason"), STRUCTURAL_CASES)
def test_structural_reason(line: str, reason: str) -> None:
    _, removed = strip([BODY, line, BODY_FR])
    assert removed == {line: reason}


def test_cookie_banner_button_and_site_slogan_in_the_tail() -> None:
    lines = [BODY, BODY_FR, "Raconter l'actualité", "Suivez RT France sur Telegram",
             "Ce site utilise des cookies.", "OK", "En poursuivant votre navigation, vous "
             "acceptez l'utilisation de cookies."]
    _, removed = strip(lines)
    assert removed["Raconter l'actualité"] == "tail_short_line"
    assert removed["OK"] in {"tail_short_line", "amid_boilerplate"}


def test_short_line_between_two_removed_lines() -> None:
    lines = [BODY, "Partager sur Facebook", "Jean Dupont", "Publicité", BODY_FR, "Fin"]
    _, removed = strip(lines)
    assert removed["Jean Dupont"] == "amid_boilerplate"
    assert "Fin" not in removed  # after a body paragraph, not among boilerplate


def test_head_short_lines_go_with_boilerplate_above_the_first_paragraph() -> None:
    lines = ["Big storm hits the coast", "Menu", "World", "Europe", BODY, "Weather", BODY_FR]
    kept, removed = strip(lines)
    assert kept[0] == "Big storm hits the coast"  # the presumed title stays
    assert removed == {"Menu": "navigation", "World": "head_short_line",
                       "Europe": "head_short_line"}
    assert "Weather" in kept  # a subheading between paragraphs


def test_a_title_after_a_kicker_survives_the_head_rule() -> None:
    lines = ["International", "Macron visits Moscow today", "By Jane Doe", BODY]
    kept, removed = strip(lines)
    assert kept == ["International", "Macron visits Moscow today", BODY]
    assert removed == {"By Jane Doe": "byline"}


def test_navigation_block_needs_a_long_run_and_evidence() -> None:
    menu = ["Politics", "Business", "Sport", "Culture", "Science", "Travel", "Style",
            "Opinion", "Video", "Podcasts", "Weather", "Markets"]
    _, removed = strip(["Page title here", BODY, "Home", *menu, BODY_FR])
    assert all(removed[item] == "navigation_block" for item in menu)
    _, removed = strip(["Page title here", BODY, *menu, BODY_FR])
    assert removed == {}  # the same run without any boilerplate in it is kept


def test_navigation_block_goes_on_through_longer_menu_entries() -> None:
    menu = ["Politics", "Business", "Sport", "Culture", "Science", "Travel", "Style",
            "Opinion", "Video", "Podcasts", "Weather", "Markets"]
    # five words each: longer than a list line (four), short enough for a menu entry
    edges = ["- Republic of North Macedonia (MK)", "Noticias y programas de televisión",
             "Tarjoukset ja kampanjat kaikille asiakkaille"]
    sentence = "Our reporters cover the region from five offices."
    _, removed = strip(["Page title here", BODY, "Home", *menu, *edges, sentence, BODY_FR])
    assert all(removed[item] == "navigation_block" for item in [*menu, *edges])
    assert sentence not in removed
    shorter = BoilerplateConfig(navigation_edge_words=4)
    result = strip_boilerplate(["Page title here", BODY, "Home", *menu, *edges, BODY_FR],
                               load_lexicon(shorter))
    assert {line.text for line in result.kept} >= set(edges)


def strip_rules(lines: list[str]) -> tuple[list[str], dict[str, str]]:
    """Kept texts and {removed text: reason} under the rules alone (no line model)."""
    result = strip_boilerplate(lines, RULES_ONLY)
    return [line.text for line in result.kept], {r.text: r.reason for r in result.removed}


def test_table_borders_between_forum_posts_make_no_menu() -> None:
    # Eight short lines and four wordless borders: twelve lines in a row, but a menu
    # of eight entries at most; the posts' headers stay (boiler_lines keeps them).
    posts = ["Back to top", "||", "Anna", "Joined 2003", "Posts 403", "||",
             "Back to top", "||", "Ben", "Joined 2004", "Posts 12", "||"]
    kept, removed = strip_rules(["Page title here", BODY, *posts, BODY_FR])
    assert set(removed.values()) == {"navigation", "symbol_line"}
    assert {"Anna", "Joined 2003", "Posts 403", "Ben", "Joined 2004", "Posts 12"} <= set(kept)


def test_list_bullets_on_lines_of_their_own_count_as_menu_entries() -> None:
    menu = ["Politics", "Business", "Sport", "Culture", "Science", "Travel"]
    bulleted = [line for entry in menu for line in ("-", entry)]
    _, removed = strip_rules(["Page title here", BODY, "Home", *bulleted, BODY_FR])
    assert all(removed[entry] == "navigation_block" for entry in menu)


def test_a_long_line_ending_with_a_colon_ends_the_head() -> None:
    games = ["- Riven", "- Grim Fandango", "- Myst"]
    lead = "I can recommend these games that I played this year:"
    kept, removed = strip_rules(["Menu", lead, *games, BODY])
    assert removed == {"Menu": "navigation"}
    assert kept == [lead, *games, BODY]
    # Without the lead-in the list is above the first paragraph, among boilerplate.
    _, removed = strip_rules(["Menu", "Games", *games, BODY])
    assert all(removed[game] == "head_short_line" for game in games)


def test_dates_of_listed_posts_stay_with_them_but_an_articles_date_goes() -> None:
    kept, removed = strip(["Archive", "November 18, 2018", BODY, "January 14, 2018", BODY_FR])
    assert removed == {"Archive": "navigation"}
    assert kept == ["November 18, 2018", BODY, "January 14, 2018", BODY_FR]
    _, removed = strip(["Archive", "November 18, 2018", BODY, BODY_FR])
    assert removed == {"Archive": "navigation", "November 18, 2018": "dateline"}
    # A date above a line that is no paragraph is a list's furniture.
    _, removed = strip([BODY, "November 18, 2018", "8 comments", "January 14, 2018",
                        "2 comments", BODY_FR])
    assert removed["November 18, 2018"] == "dateline"


def test_the_title_alone_makes_no_menu_of_a_list() -> None:
    # A course's topics under a question, one of them the page's title (boiler_lines
    # es/train_0020): the title said again is no evidence of page chrome.
    topics = ["- Calzado", "- Diseño de accesorios", "- Diseño de calzado", "- Moda",
              "- Ventas y distribución", "- Inspiración", "- Mood board", "- Fabricación",
              "- Imagen de Marca", "- Marcas", "- Diseñadores", "- Marketing", "- Estilo"]
    lead = "¿Qué aprendes en este curso?"
    kept, removed = strip_rules(["Diseño de calzado", BODY, lead, *topics, BODY_FR])
    assert removed == {"- Diseño de calzado": "title_repeat"}
    assert [line for line in topics if line != "- Diseño de calzado"] == [
        line for line in kept if line.startswith("- ")]
    # With a pass-1 removal among them, they are a menu as before.
    _, removed = strip_rules(["Diseño de calzado", BODY, lead, "Home", *topics, BODY_FR])
    assert removed["- Moda"] == "navigation_block"


def test_a_list_item_of_digits_stays_between_kept_items_of_its_list() -> None:
    children = ["- Elisabeth Christine (1739–1740)", "- Karl II. (1741–1816), Herzog",
                "- Ernst (1742–1814)", "- Sophie Charlotte (1744–1818), Königin"]
    kept, removed = strip_rules(["Kinder", BODY, *children, BODY_FR])
    assert removed == {}
    assert kept[2:6] == children
    # Beside a paragraph, or with symbol_line off, the shape rule decides as before.
    _, removed = strip_rules(["Kinder", BODY, "- Ernst (1742–1814)", BODY_FR])
    assert removed == {"- Ernst (1742–1814)": "symbol_line"}
    _, removed = strip_rules(["Kinder", BODY, "- 12.04.2016, 19:50", "- 10/1999", BODY_FR])
    assert set(removed.values()) == {"symbol_line"}
    # Among the entries of a menu (a wiki's navbox) it is the menu's evidence and goes.
    navbox = ["- Aalto", "- Hanken", "- Helsinki", "- Itä-Suomi", "- Jyväskylä", "- Lappi",
              "- Tampere (1925-2018)", "- Oulu", "- Turku", "- Vaasa", "- Åbo Akademi",
              "- Kuopio", "- Joensuu"]
    _, removed = strip_rules(["Kinder", BODY, *navbox, BODY_FR])
    assert removed["- Tampere (1925-2018)"] == "symbol_line"
    assert all(removed[entry] == "navigation_block" for entry in navbox if "(" not in entry)


def test_a_lead_in_between_borders_stays_with_what_it_leads_into() -> None:
    # A forum's quote header and a wiki's "Symptoms:" between table borders (boiler_lines
    # en/train_0043, en/train_0033): the next line with a word is kept, so is the lead-in.
    for lead in ["||tclover wrote:", "Symptoms:", "Kollin schrieb:"]:
        kept, removed = strip_rules([BODY, "||", "||", lead, "||", BODY_FR])
        assert lead in kept, lead
        assert set(removed.values()) == {"symbol_line"}
    # Above what the rules removed, it goes with it, as does a short line with no colon.
    _, removed = strip_rules([BODY, "||", "Symptoms:", "||", "Newsletter", BODY_FR])
    assert removed["Symptoms:"] == "amid_boilerplate"
    _, removed = strip_rules([BODY, "||", "||", "Symptoms", "||", BODY_FR])
    assert removed["Symptoms"] == "amid_boilerplate"


def test_an_alphabet_index_is_navigation_but_answer_options_are_kept() -> None:
    letters = ["- #", *(f"- {c}" for c in "ABCDEFGHIJKLMNOPRSTUVWZ")]
    _, removed = strip(["Page title here", BODY, *letters, BODY_FR])
    assert all(removed[f"- {c}"] == "navigation" for c in "ABCDEFGHIJKLMNOPRSTUVWZ")
    cyrillic = list("АБВГДЕЖЗ")
    _, removed = strip(["Page title here", BODY, *cyrillic, BODY_FR])
    assert set(removed) == set(cyrillic)
    options = ["Which river is the longest?", "A", "Nile", "B", "Amazon", "C", "Yangtze",
               "D", "Mississippi", "E", "Congo"]
    _, removed = strip(["Page title here", BODY, *options, BODY_FR])
    assert removed == {}
    _, removed = strip(["Page title here", BODY, *"ABCDE", BODY_FR])
    assert removed == {}  # five letters: the options of a question


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("  Posted 12 May 2020 | 3 Comments ", "posted 0 may 0 0 comments"),
        ("« Lire aussi » :", "lire aussi"),
        ("Straße 12b", "strasse 0b"),
        ("---", ""),
    ],
)
def test_template_key(line: str, key: str) -> None:
    assert template_key(line) == key


# --- configuration ----------------------------------------------------------------------


def test_extra_patterns_come_first_with_their_own_rule_id() -> None:
    config = BoilerplateConfig(extra_patterns=((r"^raconter l'actualité$", "site_slogan"),))
    result = strip_boilerplate([BODY, "Raconter l’actualité", BODY_FR], load_lexicon(config))
    assert [(r.reason, r.rule) for r in result.removed] == [("site_slogan", "extra:1")]


@pytest.mark.parametrize(
    "config",
    [
        BoilerplateConfig(disabled_reasons=frozenset({"comment_prompt"})),
        BoilerplateConfig(disabled_rules=frozenset({"lexicon"})),
        BoilerplateConfig(disabled_rules=frozenset({"lexicon:fr"})),
    ],
)
def test_disabling_rules(config: BoilerplateConfig) -> None:
    result = strip_boilerplate([BODY_FR, "Discuter"], load_lexicon(config))
    assert [line.text for line in result.kept] == [BODY_FR, "Discuter"]


def test_disabling_one_pattern_by_its_rule_id() -> None:
    rule = LEXICON.match("Discuter")
    assert rule is not None
    lexicon = load_lexicon(BoilerplateConfig(disabled_rules=frozenset({rule.rule})))
    assert lexicon.match("Discuter") is None
    assert lexicon.match("Laisser un commentaire") is not None


def test_disabling_a_structural_rule() -> None:
    # The line model is off too: this is about the rule, and the model may take the price.
    config = BoilerplateConfig(disabled_rules=frozenset({"symbol_line", "line_model"}))
    result = strip_boilerplate([BODY, "€36.93"], load_lexicon(config))
    assert result.removed == ()


def test_config_errors_stop_at_load() -> None:
    with pytest.raises(ValueError, match="xx"):
        load_lexicon(BoilerplateConfig(languages=("xx",)))


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        ("(unclosed", "invalid regex"),
        (r"(\w+) \1", "backreference"),
        (r"price(?= now)", "lookahead"),
        (r"(?>ab|a)c", "atomic group"),
        (r"a{1,5000}", "RE2 cannot compile"),
    ],
)
def test_user_pattern_without_a_linear_form_is_refused_with_the_config(
    pattern: str, why: str
) -> None:
    # Issue 16: patterns run on RE2, in time linear in the line; one it cannot take
    # stops the run when the config is built, naming the pattern and the reason.
    with pytest.raises(ValueError, match=why) as refused:
        BoilerplateConfig(extra_patterns=((pattern, "bad_regex"),))
    assert repr(pattern) in str(refused.value)


@pytest.mark.parametrize(
    "changes",
    [{"extra_patterns": (("x", "Not Snake"),)}, {"min_letter_share": 1.5},
     {"navigation_min_run": -1}],
)
def test_config_rejects_bad_values(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        replace(BoilerplateConfig(), **changes)


# --- the lexicon files ------------------------------------------------------------------


def test_every_shipped_language_has_a_file_and_nothing_else_is_shipped() -> None:
    files = {path.stem for path in PATTERNS.glob("*.txt")}
    assert files == set(SHIPPED_LANGUAGES)
    assert {"fr", "en", "de", "es", "it", "pt", "nl", "pl", "ru", "fi"} <= files


def test_every_reason_is_documented() -> None:
    readme = (PATTERNS / "README.md").read_text(encoding="utf-8")
    reasons = {rule.reason for rule in LEXICON.rules} | set(STRUCTURAL_RULES.values())
    undocumented = {reason for reason in reasons if f"`{reason}`" not in readme}
    assert not undocumented


def test_shipped_patterns_stay_indexed() -> None:
    # A pattern outside the index is tried on every line: a handful would halve speed.
    assert LEXICON.unindexed == ()
    assert len(LEXICON.gated) <= 5


_WORDLIKE = re.compile(r"\w")


@functools.cache
def _spans_pattern(source: str) -> Any:
    """The RE2 pattern with match spans (the lexicon itself only asks yes or no)."""
    options = re2.Options()
    options.case_sensitive = False
    return re2.compile(source, options)


def brute_force_match(lexicon: Lexicon, line: str) -> str | None:
    """The first rule whose pattern is found starting at a word, trying every rule."""
    from cleaners.boilerplate.lexicon import _core

    core = _core(line.strip())
    if len(line.strip()) > lexicon.config.lexicon_max_chars:
        return None
    for rule in lexicon.rules:
        for found in _spans_pattern(rule.source).finditer(core):
            # A lookbehind RE2 cannot run is consumed instead ("(?:^|[^ÃÂ])©"): the
            # match then starts one character before what the pattern is about.
            start = found.start()
            if start and rule.source.startswith("(?:^|"):
                start += 1
            if start == 0 or not (_WORDLIKE.match(core[start - 1]) and
                                  _WORDLIKE.match(core[start])):
                return rule.rule
            break
    return None


PHRASES = [line for line, _ in LEXICON_CASES] + CONTENT_LINES + [
    "comments", "newsletter", "cookie", "Reuters", "12", "de", "la", "nov.", "2020",
    "Read", "more", "Photo:", "©", "|", "»", "l'", "E-mail", "Mai", "www.example.com",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PHRASES), min_size=1, max_size=4).map(" ".join))
def test_index_never_changes_what_matches(line: str) -> None:
    found = LEXICON.match(line)
    assert (found.rule if found else None) == brute_force_match(LEXICON, line)


@pytest.mark.parametrize(
    ("pattern", "line"),
    [
        (r"foo\s*bar", "foobar baz"),
        (r"^a?b", "b"),
        (r"colou?r", "the color"),
        (r"(?:un)?happy", "happy days"),
        (r"(?:un)?happy", "unhappy days"),
        (r"\bcookie-?(?:einstellungen|richtlinie)\b", "Cookieeinstellungen"),
        (r"^\d+\s*comments", "12comments"),
        (r"^\d+ comments?$", "3 comment"),
        (r"©\s*\w+", "Foto © Max"),
        (r"^(?:©|\(c\))\s*\d{4}", "(c) 2020 Foo"),
        (r"(?<=\()photo\b", "Un chat (photo AFP)"),
        (r"e-?mail", "email us"),
        (r"^l'actualité$", "L’actualité"),
        (r"\bde acuerdo\b", "estoy de acuerdo"),
        (r"x+y", "xxxy"),
        (r"^(?:mon|tue)(?:day)?,?\s+\d", "Monday 12"),
        (r"komentarz\w*", "Dodaj komentarze"),
        (r"^(?:read|see) more$", "» Read more…"),
    ],
)
def test_index_finds_user_patterns(pattern: str, line: str) -> None:
    config = BoilerplateConfig(languages=(), extra_patterns=((pattern, "test_reason"),))
    found = load_lexicon(config).match(line)
    assert found is not None and found.rule == "extra:1"


# --- invariants -------------------------------------------------------------------------

DOCUMENT_LINES = st.lists(
    st.one_of(
        st.sampled_from([*PHRASES, BODY, BODY_FR, "", "   ", "OK", "Menu", "- item"]),
        st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),
                max_size=40),
    ),
    max_size=25,
)


@settings(max_examples=200, deadline=None)
@given(DOCUMENT_LINES)
def test_kept_and_removed_partition_the_non_empty_lines(lines: list[str]) -> None:
    result = strip_boilerplate(lines, LEXICON)
    numbers = [line.number for line in result.kept] + [r.line for r in result.removed]
    assert sorted(numbers) == [n for n, text in enumerate(lines, 1) if text.strip()]
    # Never invents text: every kept or removed text is its input line, stripped.
    for number, text in [(ln.number, ln.text) for ln in result.kept] + [
        (r.line, r.text) for r in result.removed
    ]:
        assert text == lines[number - 1].strip()
    assert all(r.reason and r.rule for r in result.removed)


@settings(max_examples=200, deadline=None)
@given(DOCUMENT_LINES)
def test_stripping_is_idempotent(lines: list[str]) -> None:
    # Holds for the context rules too: they only act next to what the line rules
    # removed, and the line rules remove nothing from text they already kept. Not for
    # the line model: its features read a line's neighbours, and removing lines changes
    # them; so the rules are tested here without it.
    first = strip_boilerplate(lines, RULES_ONLY)
    again = strip_boilerplate([line.text for line in first.kept], RULES_ONLY)
    assert again.removed == ()


# --- the answers a lexicon keeps (Lexicon.seen) ----------------------------------------

@settings(max_examples=200, deadline=None)
@given(st.lists(DOCUMENT_LINES, min_size=1, max_size=4))
def test_kept_answers_give_the_answers_of_a_fresh_lexicon(documents: list[list[str]]
                                                          ) -> None:
    # The shared lexicon has met these lines (here, and in every earlier example); a
    # copy of it starts with nothing kept. Each document, cleaned twice by the first,
    # must come out as the copy cleans it.
    for lines in documents:
        fresh = replace(LEXICON)
        assert fresh.seen == {}
        expected = strip_boilerplate(lines, fresh)
        assert strip_boilerplate(lines, LEXICON) == expected
        assert strip_boilerplate(lines, LEXICON) == expected


# --- known failures ---------------------------------------------------------------------


@pytest.mark.xfail(strict=True, reason="a related-article teaser reads like a subheading")
def test_related_article_teaser_between_paragraphs() -> None:
    teaser = "Poutine et Macron discutent de la sécurité européenne à Brégançon"
    _, removed = strip([BODY_FR, teaser, BODY_FR.replace("trois", "deux")])
    assert teaser in removed


# --- quality gate -----------------------------------------------------------------------


def load_scorer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("score", EVAL / "score.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def measure(set_name: str, split: str | None) -> dict[str, float]:
    folder = EVAL / set_name
    with open(folder / "gold.jsonl", encoding="utf-8") as handle:
        gold = [json.loads(line) for line in handle]
    if split is not None:
        gold = [item for item in gold if Path(item["source"]).name.startswith(split + "_")]
    docs = {}
    for item in gold:
        text = (folder / item["source"]).read_text(encoding="utf-8")
        result = strip_boilerplate(unicodedata.normalize("NFC", text).split("\n"), LEXICON)
        docs[item["source"]] = {"text": "\n".join(line.text for line in result.kept)}
    figures: dict[str, float] = load_scorer().line_metric(gold, docs)
    return figures


GATES = [("seeds", None), ("boiler_lines", "train"), ("boiler_lines", "dev"),
         ("boiler_lines", "test")]


@pytest.mark.skipif(not (EVAL / "score.py").exists(), reason="no evaluation data")
@pytest.mark.parametrize(("set_name", "split"), GATES)
def test_quality_floors(set_name: str, split: str | None) -> None:
    floors = json.loads(FLOORS.read_text(encoding="utf-8"))["boilerplate"]
    name = set_name if split is None else f"{set_name}/{split}"
    figures = measure(set_name, split)
    for metric, floor in floors[name].items():
        assert figures[metric] >= floor, (name, metric, figures[metric])


@pytest.mark.parametrize("line", ["(-1/2)! = √π", "4288×2848 px", "hotel $49 $63 updated 2018"])
def test_shape_rules_never_empty_a_one_line_document(line: str) -> None:
    lexicon = load_lexicon(BoilerplateConfig())
    assert [kept.text for kept in strip_boilerplate([line], lexicon).kept] == [line]


@pytest.mark.parametrize("bullet", ["- A", "• Home", "* Startseite"])
def test_a_list_item_is_not_taken_for_the_title(bullet: str) -> None:
    # Without a title from the metadata, the first line left may be protected as the
    # title; a menu's first entry is not a headline, and goes with the menu.
    menu = [bullet] + [f"- {letter}" for letter in "BCDEFGHIJKLMNOP"] + ["Newsletter", "Login"]
    kept, removed = strip([*menu, BODY])
    assert bullet.strip() in removed
    assert kept == [BODY]


@pytest.mark.parametrize("line", ["12 May 2020", "12. März 2020", "3 settembre 2019",
                                  "15 de marzo de 2021", "12 stycznia 2020", "12 января 2020",
                                  "Sept. 3, 2019", "août 2021"])
def test_dates_are_datelines_but_street_names_are_not(line: str) -> None:
    rule = LEXICON.match(line)
    assert rule is not None and rule.reason in {"dateline", "byline"}, line
