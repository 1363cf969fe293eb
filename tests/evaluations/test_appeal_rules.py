"""The time limit of an appeal, as plain functions: no database."""

import datetime

import pytest

from evaluations import rules

D = datetime.date


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2026, 11, 28), 2, D(2027, 1, 28)),
        (D(2026, 12, 31), 2, D(2027, 2, 28)),  # no 31 February: its last day
        (D(2027, 12, 31), 2, D(2028, 2, 29)),  # a leap year
        (D(2026, 8, 31), 1, D(2026, 9, 30)),
        (D(2026, 1, 15), 12, D(2027, 1, 15)),
        (D(2026, 3, 1), 0, D(2026, 3, 1)),
    ],
)
def test_months_are_counted_from_day_to_same_day(day, months, expected):
    assert rules.months_after(day, months) == expected


def test_a_time_limit_never_counts_backwards():
    with pytest.raises(ValueError):
        rules.months_after(D(2026, 1, 1), -1)


NOTIFIED, TODAY = D(2026, 12, 31), D(2027, 6, 1)


def problems(received_on, months=2):
    return rules.appeal_problems(received_on=received_on, notified_on=NOTIFIED, today=TODAY, months=months)


def test_an_appeal_received_on_the_last_day_is_in_time():
    assert problems(D(2027, 2, 28)) == []
    assert problems(D(2026, 12, 31)) == []  # the day of the notification itself


def test_an_appeal_received_the_day_after_is_out_of_time_and_says_until_when():
    assert problems(D(2027, 3, 1)) == [
        "Recours hors délai : reçu le 1 mars 2027, après le 28 février 2027, fin du délai de 2 mois ouvert par la "
        "notification de la décision le 31 décembre 2026."
    ]


def test_the_time_limit_is_the_setting_given():
    assert problems(D(2027, 3, 1), months=3) == []


def test_an_appeal_cannot_be_dated_before_the_decision_nor_in_the_future():
    assert problems(D(2026, 12, 30)) == [
        "Le recours est daté du 30 décembre 2026, avant la notification de la décision le 31 décembre 2026."
    ]
    assert problems(D(2027, 6, 2)) == ["La date de réception (2 juin 2027) est à venir."]
