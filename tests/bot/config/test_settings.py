"""Settings from the environment: fail fast naming what is wrong, never show a secret."""

import os
import re
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config.settings import IN_FLIGHT_DEFAULTS, SAMPLE_SITES, Secret, Settings, SettingsError

PRODUCTION = {"DATABASE_URL": "postgres://cms:pw@db.internal/cms", "REDIS_URL": "redis://q:6379/0",
              "CMSBOT_SITES": "/etc/cmsbot/sites.yaml", "CMSBOT_API_TOKEN": "s3cret-token",
              "TWILIO_ACCOUNT_SID": "AC123", "TWILIO_AUTH_TOKEN": "tw-secret",
              "TWILIO_STAFF_FROM": "+12125550199", "SLACK_BOT_TOKEN": "xoxb-secret",
              "SLACK_SIGNING_SECRET": "sign-secret", "PORT": "5000"}


def test_nothing_set_means_embedded_defaults_and_the_outbox():
    settings = Settings.from_env({})
    assert settings.home == Path("var") and settings.sites_path == SAMPLE_SITES
    assert settings.sqlalchemy_url.startswith("sqlite+aiosqlite:///")
    assert settings.redis_url is None
    assert not settings.uses_twilio and not settings.uses_slack
    assert settings.log_format == "text"


def test_production_settings_are_read_and_postgres_goes_through_asyncpg():
    settings = Settings.from_env(PRODUCTION)
    assert settings.sqlalchemy_url == "postgresql+asyncpg://cms:pw@db.internal/cms"
    assert settings.uses_twilio and settings.uses_slack and settings.port == 5000
    assert settings.log_format == "json"


@pytest.mark.parametrize(("missing", "named"), [
    ("CMSBOT_SITES", "CMSBOT_SITES"), ("CMSBOT_API_TOKEN", "CMSBOT_API_TOKEN"),
    ("TWILIO_AUTH_TOKEN", "TWILIO_AUTH_TOKEN"), ("TWILIO_STAFF_FROM", "TWILIO_STAFF_FROM"),
    ("SLACK_SIGNING_SECRET", "SLACK_SIGNING_SECRET"),
])
def test_a_missing_setting_stops_start_up_naming_it(missing, named):
    env = {key: value for key, value in PRODUCTION.items() if key != missing}
    with pytest.raises(SettingsError, match=named):
        Settings.from_env(env)


@pytest.mark.parametrize(("name", "value"), [("PORT", "http"), ("PORT", "\u00b2"),
                                             ("PORT", "9" * 5000),
                                             ("CMSBOT_TIMEZONE", "Mars/Olympus"),
                                             ("CMSBOT_RETRY_BACKOFF", "soon"),
                                             ("CMSBOT_LOG_LEVEL", "LOUD"),
                                             ("CMSBOT_PROVIDER_TIMEOUT", "forever"),
                                             ("CMSBOT_BODY_DEADLINE", "0"),
                                             ("CMSBOT_BODY_DEADLINE", "15"),
                                             ("CMSBOT_PAGE_WITHIN", "soon"),
                                             ("CMSBOT_PAGE_WITHIN", "0h")])
def test_a_bad_value_is_named(name, value):
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


def test_without_map_tiles_the_map_has_none_and_no_origin_to_let_in():
    settings = Settings.from_env({})
    assert settings.map_tiles is None and settings.map_tiles_origin() is None


@pytest.mark.parametrize(("template", "origin"), [
    ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
    ("http://127.0.0.1:8111/{z}/{x}/{y}.png", "http://127.0.0.1:8111"),
    # Retina tiles and an API key in the query are the tile server's business; the host is
    # lower-cased as browsers compare it.
    ("https://Tiles.Example.org:8443/styles/{z}/{x}/{y}{r}.png?key=abc", "https://tiles.example.org:8443"),
])
def test_map_tiles_are_a_template_whose_origin_the_map_page_lets_in(template, origin):
    settings = Settings.from_env({"CMSBOT_MAP_TILES": f" {template} "})
    assert settings.map_tiles == template and settings.map_tiles_origin() == origin
    assert settings.map_tiles_attribution == "© OpenStreetMap contributors"
    custom = Settings.from_env({"CMSBOT_MAP_TILES": template,
                                "CMSBOT_MAP_TILES_ATTRIBUTION": "Tiles © Example"})
    assert custom.map_tiles_attribution == "Tiles © Example"


@pytest.mark.parametrize(("template", "says"), [
    ("tile.openstreetmap.org/{z}/{x}/{y}.png", "must start with https://"),
    ("ftp://tiles.example.org/{z}/{x}/{y}.png", "must start with https://"),
    ("javascript:alert(1)//{z}/{x}/{y}", "must start with https://"),
    ("https://tiles.example.org/{z}/{x}.png", "missing {y}"),
    ("https://tiles.example.org/tiles.png", "missing {z}, {x}, {y}"),
    ("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png", "one host"),
    ("https://user:pw@tiles.example.org/{z}/{x}/{y}.png", "user name or password"),
    ("https://tiles.example.org; img-src */{z}/{x}/{y}.png", "spaces"),
    ("https://tiles.example.org;script-src/{z}/{x}/{y}.png", "must name a host"),
    ('https://tiles.example.org/{z}/{x}/{y}.png" onload="x', "quotes"),
    ("https://tiles.example.org:70000/{z}/{x}/{y}.png", "port"),
    ("https://tiles.example.org/{z}/{x}/{y}.png?v={version}", "cannot fill: version"),
])
def test_a_bad_map_tiles_template_stops_start_up_naming_it(template, says):
    with pytest.raises(SettingsError, match="CMSBOT_MAP_TILES") as refused:
        Settings.from_env({"CMSBOT_MAP_TILES": template})
    assert says in str(refused.value)


def test_the_body_deadline_is_a_few_seconds_well_inside_twilios_15():
    assert Settings.from_env({}).body_deadline == 5.0
    assert Settings.from_env({"CMSBOT_BODY_DEADLINE": "2.5"}).body_deadline == 2.5


def test_page_within_is_twelve_hours_unless_set_as_a_duration():
    assert Settings.from_env({}).page_within == timedelta(hours=12)
    assert Settings.from_env({"CMSBOT_PAGE_WITHIN": "1h30m"}).page_within == timedelta(minutes=90)


def test_in_flight_limits_default_per_route_class_and_are_overridden_one_by_one():
    assert Settings.from_env({}).in_flight_limits() == IN_FLIGHT_DEFAULTS
    assert IN_FLIGHT_DEFAULTS["ingest"] == 32 and IN_FLIGHT_DEFAULTS["dashboard"] == 16
    settings = Settings.from_env({"CMSBOT_MAX_IN_FLIGHT": " ingest=4, dashboard = 2,"})
    assert settings.in_flight_limits() == {**IN_FLIGHT_DEFAULTS, "ingest": 4, "dashboard": 2}


@pytest.mark.parametrize(("value", "says"), [
    ("ingest", "class=limit"), ("ingest=lots", "class=limit"), ("ingest=-1", "class=limit"),
    ("ingest=" + "9" * 5000, "class=limit"), ("ingest=0", "between 1 and 10000"),
    ("ingest=10001", "between 1 and 10000"), ("web=8", "'web' is not a route class; use ingest"),
    ("operators=8", "never limited"), ("ingest=4,ingest=8", "'ingest' twice"),
])
def test_a_bad_in_flight_limit_is_named(value, says):
    with pytest.raises(SettingsError, match="CMSBOT_MAX_IN_FLIGHT") as refused:
        Settings.from_env({"CMSBOT_MAX_IN_FLIGHT": value})
    assert says in str(refused.value)


def test_secrets_never_show_in_reprs_or_errors():
    settings = Settings.from_env(PRODUCTION)
    shown = repr(settings) + str(settings)
    for secret in ("s3cret-token", "tw-secret", "xoxb-secret", "sign-secret"):
        assert secret not in shown
    assert repr(Secret("abc")) == "Secret('**********')"
    assert Secret("abc").reveal() == "abc"


def test_the_embedded_ingest_token_is_generated_once_and_kept_private(tmp_path):
    settings = Settings(home=tmp_path / "var")
    first = settings.ingest_token().reveal()
    assert first == settings.ingest_token().reveal() and len(first) >= 24
    assert (tmp_path / "var" / "api-token").stat().st_mode & 0o077 == 0


def test_the_local_twilio_and_slack_secrets_are_generated_once_of_their_real_form_and_private(
        tmp_path):
    settings = Settings(home=tmp_path / "var")
    account, token = settings.local_twilio()
    assert settings.local_twilio() == (account, token)
    assert re.fullmatch("AC[0-9a-f]{32}", account) and len(token.reveal()) == 32
    assert settings.local_slack_secret() == settings.local_slack_secret()
    for name in ("twilio-account-sid", "twilio-auth-token", "slack-signing-secret"):
        assert (tmp_path / "var" / name).stat().st_mode & 0o077 == 0


# Every file operation Python makes is an audit event (open, chmod, link, rename, unlink, ...).
# While a test watches a directory, each event records what the directory holds and how open it
# is: a file that the group or others could read, at any of those moments, is seen.
_WATCHED: list[Path] = []
_SEEN: list[tuple[str, str, int]] = []  # (event, path, mode)
_IN_HOOK: list[bool] = []


def _record(event: str, args: tuple[object, ...]) -> None:
    if not _WATCHED or _IN_HOOK or not event.startswith(("open", "os.")):
        return
    _IN_HOOK.append(True)
    try:
        for root in _WATCHED:
            for path in [root, *root.rglob("*")] if root.exists() else []:
                _SEEN.append((event, str(path), path.lstat().st_mode & 0o777))
    finally:
        _IN_HOOK.clear()


sys.addaudithook(_record)


@pytest.fixture
def watched(tmp_path: Path) -> Iterator[list[tuple[str, str, int]]]:
    """Every mode under tmp_path/var at every file operation, under the loosest umask."""
    previous = os.umask(0)
    _WATCHED.append(tmp_path / "var")
    try:
        yield _SEEN
    finally:
        _WATCHED.clear()
        os.umask(previous)
    _SEEN.clear()


@pytest.mark.parametrize("secret", ["ingest_token", "session_key"])
def test_a_generated_secret_is_never_open_to_others_not_even_while_it_is_written(watched, tmp_path,
                                                                                secret):
    value = getattr(Settings(home=tmp_path / "var"), secret)().reveal()
    assert len(value) >= 24
    assert watched, "the audit hook saw no file operation"
    assert [seen for seen in watched if seen[2] & 0o077] == []
    # Created 0600 and 0700 by open and mkdir themselves: never loosened, never chmod-ed after.
    assert not [seen for seen in watched if seen[0] == "os.chmod"]
