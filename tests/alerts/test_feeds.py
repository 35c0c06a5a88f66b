"""Feed heartbeats, the pure rules: the sites file's `sources`, when a source is silent, what
the coordinators read."""

from datetime import UTC, datetime, timedelta

import pytest

from alerts.feeds import FeedSource, FeedState, back_text, change, silent_text, status_line
from alerts.sites_parse import parse_sites
from tests.alerts.sitebuilder import LAYERS, NY, sites_data
from tests.alerts.test_sites_parse import problems

PATROL = FeedSource("nypd-patrol", timedelta(hours=6))
T0 = datetime(2026, 7, 4, 18, 5, tzinfo=UTC)  # 14:05 in New York
H = timedelta(hours=1)


def test_the_sites_file_lists_sources_with_their_window():
    data = {**sites_data(), "sources": {"nypd-patrol": {"expect_within": "6h"},
                                        "csv-replay": {"expect_within": "1d"}}}
    sites = parse_sites(data, LAYERS, NY)
    assert sites.sources == {"nypd-patrol": PATROL,
                             "csv-replay": FeedSource("csv-replay", timedelta(days=1))}
    assert parse_sites(sites_data(), LAYERS, NY).sources == {}


@pytest.mark.parametrize(("sources", "where"), [
    ([], "sources"),
    ({"nypd-patrol": "6h"}, "sources.nypd-patrol"),
    ({"nypd-patrol": {"expect_within": "soon"}}, "sources.nypd-patrol.expect_within"),
    ({"nypd-patrol": {"expect_within": "6h", "every": "1h"}}, "sources.nypd-patrol.every"),
    ({"NYPD Patrol": {"expect_within": "6h"}}, "sources.NYPD Patrol"),
])
def test_source_mistakes_are_named_at_their_place(sources, where):
    assert where in problems({**sites_data(), "sources": sources})


@pytest.mark.parametrize(("state", "now", "expected"), [
    (FeedState(T0, T0), T0 + 6 * H, None),  # exactly the window: not yet
    (FeedState(T0, T0), T0 + 6 * H + timedelta(seconds=1), "silent"),
    (FeedState(T0), T0 + 7 * H, "silent"),  # never heard: counted from when it was listed
    (FeedState(T0, T0, silent_from=T0), T0 + 9 * H, None),  # already paged for this outage
    (FeedState(T0, T0 + 8 * H, silent_from=T0), T0 + 8 * H, "back"),
    (FeedState(T0, None, silent_from=T0), T0 + 8 * H, None),
])
def test_a_source_is_silent_once_per_outage_and_back_on_contact(state, now, expected):
    assert change(PATROL, state, now) == expected


def test_what_the_coordinators_read():
    assert silent_text(PATROL, FeedState(T0 - H, T0), NY) == (
        "CMS FEED SILENT: nypd-patrol not heard from since 14:05 (expected within 6h). "
        "A quiet night looks the same: check the feed.")
    back = FeedState(T0 - H, T0 + timedelta(hours=7, minutes=12), silent_from=T0)
    assert back_text(PATROL, back, NY) == \
        "CMS FEED BACK: nypd-patrol heard from again at 21:17, silent 7h 12m"
    assert status_line(PATROL, FeedState(T0), T0 + 7 * H, NY) == \
        "nypd-patrol: never heard from (watched since 14:05), expected within 6h: OVERDUE"
