"""The Jinja2 partials' `date` filter (articles/jinja.py) writes what Django's does,
in the current time zone, though it keeps what it wrote."""

import datetime as dt
import zoneinfo

from django.template.defaultfilters import date as django_date
from django.utils import timezone

from articles.jinja import _date

NOON_UTC = dt.datetime(2004, 3, 9, 12, 30, tzinfo=dt.UTC)


def test_a_date_is_what_djangos_filter_writes():
    for fmt in ("c", "j M Y", "j F Y", "Y", "N j, Y, P e"):
        assert _date(NOON_UTC, fmt) == django_date(NOON_UTC, fmt)
        assert _date(NOON_UTC, fmt) == _date(NOON_UTC, fmt)  # kept, and the same
    assert _date(dt.date(2004, 3, 9), "j M Y") == "9 Mar 2004"
    assert _date(dt.datetime(2004, 3, 9, 23, 0), "j M Y H:i") == "9 Mar 2004 23:00"
    assert _date(None, "j M Y") == "" and _date("", "c") == ""
    assert _date(NOON_UTC) == django_date(NOON_UTC)


def test_one_instant_is_written_in_each_time_zone_it_is_shown_in():
    assert _date(NOON_UTC, "c") == "2004-03-09T12:30:00+00:00"
    with timezone.override(zoneinfo.ZoneInfo("Pacific/Auckland")):
        assert _date(NOON_UTC, "c") == "2004-03-10T01:30:00+13:00"
        assert _date(NOON_UTC, "j M Y e") == "10 Mar 2004 NZDT"
    assert _date(NOON_UTC, "j M Y e") == "9 Mar 2004 UTC"
