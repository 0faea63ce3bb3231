import datetime

import pytest

from meetings.targets import TargetError, format_target, last_day, parse_target


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("March 2011", (datetime.date(2011, 3, 1), True)),
        ("mar 2011", (datetime.date(2011, 3, 1), True)),
        ("Sept. 2011", (datetime.date(2011, 9, 1), True)),
        ("2011-03", (datetime.date(2011, 3, 1), True)),
        ("by March 2011", (datetime.date(2011, 3, 1), True)),
        ("14 March 2011", (datetime.date(2011, 3, 14), False)),
        ("14th March 2011", (datetime.date(2011, 3, 14), False)),
        ("14/03/2011", (datetime.date(2011, 3, 14), False)),
        ("30/11/21", (datetime.date(2021, 11, 30), False)),
        ("1/4/07", (datetime.date(2007, 4, 1), False)),
        ("2011-03-14", (datetime.date(2011, 3, 14), False)),
        ("  ", (None, False)),
    ],
)
def test_parse_target_reads_days_and_months(text, expected):
    assert parse_target(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Smarch 2011", "“Smarch” is not a month."),
        ("31/02/2011", "That day does not exist."),
        ("30/11/202", "“30/11/202” is not a date or a month."),
        ("soon", "“soon” is not a date or a month."),
        ("Next meeting", "“Next meeting” is not a date or a month."),
        ("1" * 200, "That is not a date or a month."),
    ],
)
def test_parse_target_refuses_what_is_not_a_date_or_a_month(text, message):
    with pytest.raises(TargetError, match=message):
        parse_target(text)


@pytest.mark.parametrize(
    ("date", "is_month"),
    [(datetime.date(2011, 3, 1), True), (datetime.date(2011, 3, 14), False), (None, False)],
)
def test_a_formatted_target_parses_back_to_itself(date, is_month):
    assert parse_target(format_target(date, is_month)) == (date, is_month)


def test_a_month_target_runs_to_the_end_of_its_month():
    assert last_day(datetime.date(2012, 2, 1), True) == datetime.date(2012, 2, 29)
    assert last_day(datetime.date(2012, 2, 1), False) == datetime.date(2012, 2, 1)
