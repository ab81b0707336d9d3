"""Publication dates as UTC instants (cleaners/dates.py): the formats crawlers write."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cleaners.dates import parse_date

MARCH_8 = datetime(2024, 3, 8, tzinfo=UTC)
AUG_16 = datetime(2019, 8, 16, tzinfo=UTC)


@pytest.mark.parametrize(("raw", "expected"), [
    # The same instant, four ways (the formats) and more.
    ("2024-03-08T00:00:00Z", MARCH_8),
    ("1709856000", MARCH_8),
    ("8 March 2024", MARCH_8),
    ("Fri, 08 Mar 2024 00:00:00 GMT", MARCH_8),
    ("Fri, 08 Mar 2024 01:00:00 +0100", MARCH_8),
    ("2024-03-08T02:00:00+02:00", MARCH_8),
    ("2024-03-08", MARCH_8),
    ("1709856000000", MARCH_8),
    ("March 8, 2024", MARCH_8),
    ("8th Mar. 2024", MARCH_8),
    ("Friday, 8 March 2024", MARCH_8),
    ("08.03.2024", MARCH_8),
    ("16.08.2019", AUG_16),
    ("16/08/2019", AUG_16),
    ("08/16/2019", AUG_16),  # month first only where the day cannot be a month
    ("16.08.2019 14:30", AUG_16 + timedelta(hours=14, minutes=30)),
    ("2019-08-16 14:30:00", AUG_16 + timedelta(hours=14, minutes=30)),
    ("Fri, 16 Aug 2019 14:30:00 -0500", AUG_16 + timedelta(hours=19, minutes=30)),
])
def test_formats_give_the_instant(raw: str, expected: datetime) -> None:
    assert parse_date(raw) == expected
    assert parse_date(raw).tzinfo is UTC


@pytest.mark.parametrize("raw", [
    "", "yesterday", "20240308", "12345", "2024", "31.02.2024", "8 Smarch 2024",
    "16.08.2019 and more words", "0000-01-01", "1.1.1066", "Veröffentlicht am " + "9" * 90,
])
def test_what_is_not_a_date_is_none(raw: str) -> None:
    assert parse_date(raw) is None


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2199, 1, 1),
                    timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30)),
                                               timezone(timedelta(hours=-8))])))
def test_iso_and_rfc_2822_round_trip_to_the_same_instant(moment: datetime) -> None:
    moment = moment.replace(microsecond=0)
    assert parse_date(moment.isoformat()) == moment
    assert parse_date(format_datetime(moment)) == moment


@given(st.text(max_size=120))
def test_never_raises_and_is_always_utc(text: str) -> None:
    found = parse_date(text)
    assert found is None or found.utcoffset() == timedelta(0)
