"""The import's parsers on any input: a value or a ValueError with a French message, never anything else."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from candidates.resources import FrenchDateWidget, RouteWidget


@given(st.one_of(st.text(), st.integers(), st.floats(allow_nan=True), st.none()))
def test_dates_parse_or_say_why(value):
    try:
        result = FrenchDateWidget().clean(value)
    except ValueError as error:
        assert "illisible (attendu : JJ/MM/AAAA)" in str(error)
    else:
        assert result is None or isinstance(result, datetime.date)


@given(st.dates(min_value=datetime.date(1901, 1, 1)))
def test_dates_read_back_what_they_write(day):
    widget = FrenchDateWidget()
    assert widget.clean(widget.render(day)) == day
    assert widget.clean(day.isoformat()) == day


@given(st.text())
def test_routes_parse_or_say_why(value):
    try:
        result = RouteWidget().clean(value)
    except ValueError as error:
        assert "inconnue (Formation ou VAE)" in str(error)
    else:
        assert result in {"training", "vae", None, ""}


@pytest.mark.parametrize("text", ["31/02/2024", "2024-13-01", "=1+1", "@SUM(A1)", "12/05/90", "1990/05/12"])
def test_bad_dates_and_formulas_are_refused(text):
    with pytest.raises(ValueError, match="illisible"):
        FrenchDateWidget().clean(text)
