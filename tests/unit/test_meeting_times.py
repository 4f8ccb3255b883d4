"""Meeting times are Europe/Paris wall-clock times stored in UTC."""

from datetime import UTC, date, datetime, time

import pytest

from portal.dates import paris_to_utc
from portal.errors import DomainError
from portal.meetings.search import search_terms


def test_winter_and_summer_times_convert_to_utc():
    assert paris_to_utc(date(2026, 1, 6), time(18, 30)) == datetime(2026, 1, 6, 17, 30, tzinfo=UTC)
    assert paris_to_utc(date(2026, 7, 7), time(18, 30)) == datetime(2026, 7, 7, 16, 30, tzinfo=UTC)


def test_a_time_skipped_by_the_spring_clock_change_is_refused():
    with pytest.raises(DomainError, match="clock change"):
        paris_to_utc(date(2026, 3, 29), time(2, 30))


def test_search_terms_drop_operators_and_keep_accented_words():
    assert search_terms('"trésorerie" AND -devis* (NEAR)') == ["trésorerie", "AND", "devis", "NEAR"]
    assert search_terms("") == [] and search_terms("*** ---") == []
    assert len(search_terms("mot " * 50)) == 8
