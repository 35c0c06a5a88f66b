"""CMSBOT_HOME is this user's only: made private, kept private, written privately."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config.home import keep_first, keep_private, touch_private, write_private


def mode(path: Path) -> int:
    """The permission bits of `path` itself."""
    return path.lstat().st_mode & 0o777


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The loosest umask, restored afterwards (keep_private sets the process's own)."""
    previous = os.umask(0)
    yield
    os.umask(previous)


def test_an_earlier_versions_home_is_taken_private_and_what_lies_outside_is_left_alone(
        tmp_path, loose_umask):
    home, outside = tmp_path / "var", tmp_path / "elsewhere.txt"
    (home / "redis").mkdir(parents=True, mode=0o755)
    for name in ("cmsbot.db", "cmsbot.db-wal", "redis/appendonly.aof", "redis/redis.conf"):
        (home / name).write_text("state")
        (home / name).chmod(0o644)
    (home / "run.sh").write_text("#!/bin/sh\n")
    (home / "run.sh").chmod(0o755)
    outside.write_text("not ours to change")
    outside.chmod(0o644)
    (home / "link").symlink_to(outside)
    home.chmod(0o755)

    keep_private(home)

    assert mode(home) == 0o700 and mode(home / "redis") == 0o700
    assert {name: mode(home / name) for name in ("cmsbot.db", "cmsbot.db-wal", "run.sh",
                                                 "redis/appendonly.aof", "redis/redis.conf")} == {
        "cmsbot.db": 0o600, "cmsbot.db-wal": 0o600, "run.sh": 0o700,
        "redis/appendonly.aof": 0o600, "redis/redis.conf": 0o600}
    assert mode(outside) == 0o644  # the symlink was not followed
    assert os.umask(0) == 0o077  # and what this process makes from now on is private too


def test_keep_private_keeps_a_stricter_umask_and_creates_no_home(tmp_path, loose_umask):
    os.umask(0o277)
    keep_private(tmp_path / "not-yet")
    assert os.umask(0) == 0o277
    assert not (tmp_path / "not-yet").exists()  # made later by what needs it, 0700


def test_files_are_created_private_under_the_loosest_umask(tmp_path, loose_umask):
    write_private(tmp_path / "redis.conf", "port 0\n")
    write_private(tmp_path / "redis.conf", "port 0\ndaemonize yes\n")  # replaced whole
    touch_private(tmp_path / "cmsbot.db")
    assert (tmp_path / "redis.conf").read_text() == "port 0\ndaemonize yes\n"
    assert mode(tmp_path / "redis.conf") == 0o600 and mode(tmp_path / "cmsbot.db") == 0o600
    assert sorted(path.name for path in tmp_path.iterdir()) == ["cmsbot.db", "redis.conf"]


def test_the_first_value_kept_wins_and_a_planted_draft_is_not_written_through(tmp_path,
                                                                           loose_umask):
    secret, elsewhere = tmp_path / "api-token", tmp_path / "attacker-reads-this"
    elsewhere.write_text("")
    # A symlink planted where the draft goes: writing through it would hand the value over.
    (tmp_path / f".api-token.{os.getpid()}.draft").symlink_to(elsewhere)
    assert keep_first(secret, "first") == "first"
    assert keep_first(secret, "second") == "first"
    assert elsewhere.read_text() == "" and mode(secret) == 0o600
    assert sorted(path.name for path in tmp_path.iterdir()) == ["api-token", "attacker-reads-this"]
