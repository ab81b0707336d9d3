"""Publication dates as instants: one pure parser for the strings records and pages give.

Crawlers write dates every way there is (ISO 8601 with `Z` or an offset, epoch seconds,
RFC 2822 from feeds and HTTP, "8 March 2024", "16.08.2019"). `parse_date` turns each
into a timezone-aware UTC `datetime`, or None when the string is not a date it can read
without guessing. Rules, in the order tried:

1. ISO 8601 (`datetime.fromisoformat`, `Z` accepted): "2024-03-08", "2024-03-08T10:00Z".
2. A whole number of 9-10 digits is epoch seconds, 12-13 digits epoch milliseconds
   (years 1973-2286 either way; shorter numbers are not read as dates).
3. RFC 2822 / HTTP dates: "Fri, 08 Mar 2024 10:00:00 GMT", "8 Mar 2024 10:00 +0100".
4. Day-first numeric dates with `.`, `/` or `-`: "16.08.2019", "16/08/2019". Month-first
   (US "08/16/2019") is read only when the day cannot be a month (over 12): a
   "03/04/2024" is read day-first, as most of the world writes it.
5. Day and English month name, either order: "8 March 2024", "March 8, 2024", "8 Mar. 2024".

A date without a time is midnight; a time without an offset is taken as UTC (a page
that does not say its zone gives no better guess). Dates before 1900 or after 2200 are
refused as misreadings.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MONTHS = {name: n for n, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
    ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
    ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
    ("dec", "december")), start=1) for name in names}
# Bounded repeats and anchors only: each is one linear pass over a short string.
_NUMERIC = re.compile(r"(\d{1,2})([./-])(\d{1,2})\2(\d{4})")
_TIME = re.compile(r"(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*(?:Z|UTC|GMT)?")
_DAY_MONTH = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\.?\s+([a-z]{3,9})\.?,?\s+(\d{4})")
_MONTH_DAY = re.compile(r"([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})")
_WEEKDAY = re.compile(r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]{0,6}\.?,?\s+")
_LONGEST = 80


def parse_date(value: str | None) -> datetime | None:
    """The UTC instant `value` names, or None when it is not a date read without guessing.

    >>> parse_date("2024-03-08T00:00:00Z") == parse_date("8 March 2024") == parse_date("1709856000")
    True
    >>> parse_date("16.08.2019").isoformat(), parse_date("yesterday")
    ('2019-08-16T00:00:00+00:00', None)
    """
    if not value:
        return None
    text = value.strip()
    if not text or len(text) > _LONGEST:
        return None
    for reader in (_iso, _epoch, _rfc2822, _numeric, _named_month):
        found = reader(text)
        if found is not None:
            return found if 1900 <= found.year <= 2200 else None
    return None


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _iso(text: str) -> datetime | None:
    # fromisoformat also reads "20240308", a number that rule 2 must not see as a date:
    # only strings with a '-' separator are ISO here.
    if len(text) < 10 or text[4] != "-":
        return None
    try:
        return _utc(datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00")))
    except ValueError:
        return None


def _epoch(text: str) -> datetime | None:
    if not text.isascii() or not text.isdigit():
        return None
    if len(text) in (9, 10):
        return _EPOCH + timedelta(seconds=int(text))
    if len(text) in (12, 13):
        return _EPOCH + timedelta(milliseconds=int(text))
    return None


def _rfc2822(text: str) -> datetime | None:
    if ":" not in text or not any(c.isalpha() for c in text):
        return None
    try:
        return _utc(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        return None


def _numeric(text: str) -> datetime | None:
    match = _NUMERIC.match(text)
    if match is None or not _TIME.fullmatch(text, match.end()):
        return None
    first, second, year = int(match[1]), int(match[3]), int(match[4])
    day, month = (second, first) if second > 12 >= first else (first, second)
    return _at(year, month, day, _TIME.fullmatch(text, match.end()))


def _named_month(text: str) -> datetime | None:
    lower = _WEEKDAY.sub("", text.lower(), count=1)
    for pattern, order in ((_DAY_MONTH, (1, 2)), (_MONTH_DAY, (2, 1))):
        match = pattern.match(lower)
        if match is None:
            continue
        rest = _TIME.fullmatch(lower, match.end())
        month = _MONTHS.get(match[order[1]])
        if rest is not None and month is not None:
            return _at(int(match[3]), month, int(match[order[0]]), rest)
    return None


def _at(year: int, month: int, day: int, time: re.Match[str] | None) -> datetime | None:
    hour = minute = second = 0
    if time is not None and time[1] is not None:
        hour, minute, second = int(time[1]), int(time[2]), int(time[3] or 0)
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        return None
