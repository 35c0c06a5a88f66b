"""Night call-outs: one per incident and member, at night when any of its pages was, in the
month (city time) of its first page."""

from datetime import datetime

import pytest

from alerts.night_callouts import CallOut, MemberMonth, at_night, member_rows, members_table
from tests.alerts.sitebuilder import NY

LUIS = "+13475550140"


def local(day: int, hour: int, minute: int = 0, month: int = 7) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NY)


def page(incident: str, at: datetime, name: str | None = "Luis Feliz", phone: str = LUIS,
         team: str = "brag") -> CallOut:
    return CallOut(incident, team, phone, name, at)


@pytest.mark.parametrize(("hour", "minute", "night"), [
    (21, 59, False), (22, 0, True), (0, 0, True), (5, 59, True), (6, 0, False), (12, 0, False)])
def test_night_is_22_00_up_to_06_00_city_time(hour, minute, night):
    assert at_night(local(4, hour, minute)) is night


def test_two_alerts_at_night_and_one_at_noon_are_three_call_outs_two_at_night():
    rows = member_rows([page("A", local(4, 23, 20)), page("B", local(5, 2, 0)),
                        page("C", local(5, 12, 0))], NY)
    assert rows == [MemberMonth("brag", "2026-07", "Luis Feliz", 3, 2)]


def test_an_alert_and_its_repage_are_one_call_out_at_night_if_either_was():
    rows = member_rows([page("A", local(4, 21, 58)), page("A", local(4, 22, 1))], NY)
    assert rows == [MemberMonth("brag", "2026-07", "Luis Feliz", 1, 1)]


def test_a_call_out_counts_in_the_month_of_its_first_page_in_city_time():
    # 23:30 on 31 July in New York is already August in UTC.
    rows = member_rows([page("A", local(31, 23, 30)), page("A", local(1, 0, 10, month=8))], NY)
    assert rows == [MemberMonth("brag", "2026-07", "Luis Feliz", 1, 1)]


def test_members_are_rows_of_their_own_by_team_and_a_phone_never_shows():
    rows = member_rows([page("A", local(4, 23, 0)), page("A", local(4, 23, 0), "Grace Kim",
                                                          "+13475550141"),
                        page("B", local(6, 1, 0), None, "+13475550143", team="eny")], NY)
    assert [(r.team, r.member) for r in rows] == \
        [("brag", "Grace Kim"), ("brag", "Luis Feliz"), ("eny", "***0143")]
    assert "+1347" not in members_table(rows)
