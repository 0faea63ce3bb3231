"""Paper deadlines in working days (pure arithmetic, no database).

"Five clear working days before the meeting" leaves five whole working days between the deadline
and the meeting, neither counted: for a meeting on Friday 14 July 2006 the clear days are 7, 10,
11, 12 and 13 July, so papers are due on Thursday 6 July. Weekends and England-and-Wales bank
holidays are not working days.
"""

import datetime
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def bank_holidays(year):
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=[year]))


def is_working_day(day):
    return day.weekday() < 5 and day not in bank_holidays(day.year)


def previous_working_day(day):
    day -= datetime.timedelta(days=1)
    while not is_working_day(day):
        day -= datetime.timedelta(days=1)
    return day


def paper_deadline(meeting_date, clear_days=5):
    """The last day a paper can arrive and still leave `clear_days` clear working days."""
    if clear_days < 0:
        raise ValueError("clear_days cannot be negative")
    day = meeting_date
    for _ in range(clear_days):
        day = previous_working_day(day)
    return previous_working_day(day)
