"""Reading the sites file: every text ends in sites or a list of problems, each with its line.

The sites file is typed by hand, so any text may arrive: an empty file, comments only, one key,
YAML that nests deeply, or repeats itself through anchors. `load_sites` answers each of them,
quickly, with problems an operator can act on; it never hangs and never lets another
exception out.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.config.settings import SAMPLE_SITES
from bot.config.sites_file import LoadedSites, SitesFileError, load_sites

TOP_KEYS = ("teams", "coordinators", "coordinators_channel", "geofence_layers",
            "takedown_playbooks", "resident_support")
SCALARS = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
           | st.text(max_size=20) | st.sampled_from(["+12125550175", "555", "precinct:75", "90m"]))
KEYS = st.sampled_from(("id", "name", "phone", "members", "geofences", "role", "path",
                        "id_property", "slack_user", "steps")) | st.text(max_size=10)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=15,
)
DOCUMENTS = st.dictionaries(st.sampled_from(TOP_KEYS) | st.text(max_size=10), VALUES,
                            max_size=6) | VALUES


def dumped(document: object) -> str:
    """The document as an operator's YAML file would hold it."""
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


def load_text(text: str) -> LoadedSites:
    """Load `text` as a sites file in a folder of its own."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sites.yaml"
        path.write_text(text, encoding="utf-8")
        return load_sites(path)


def problems_of(text: str) -> list[str]:
    """The problems `load_sites` reports for `text`; it must report some."""
    with pytest.raises(SitesFileError) as caught:
        load_text(text)
    assert caught.value.problems
    return [str(problem) for problem in caught.value.problems]


def check_answer(text: str) -> None:
    """Sites, or a SitesFileError whose every problem says where and what."""
    try:
        load_text(text)
    except SitesFileError as error:
        assert error.problems
        for problem in error.problems:
            assert problem.where.strip() and problem.message.strip(), problem
            assert "\n" not in str(problem), problem


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n", "null\n", "~\n"])
def test_an_empty_file_says_it_needs_teams_and_coordinators(text):
    problems = problems_of(text)
    assert len(problems) == 1
    assert "empty" in problems[0] and "teams" in problems[0] and "coordinators" in problems[0]


def test_a_file_without_coordinators_names_the_missing_key():
    teams_only = SAMPLE_SITES.read_text(encoding="utf-8").split("\nteams:", 1)[1]
    problems = problems_of("teams:" + teams_only)
    missing = [p for p in problems if p.startswith("coordinators: ")]
    assert missing and "required" in missing[0]


@pytest.mark.parametrize("text", ["[]\n", "42\n", "just words\n"])
def test_a_file_that_is_not_a_mapping_says_so(text):
    assert problems_of(text) == ["line 1: (top): the sites file must be a YAML mapping of teams, "
                                 "coordinators and the rest"]


def test_a_missing_key_under_a_dotted_or_odd_name_is_still_placed():
    problems = problems_of("a.b: 1\n'x[0': 2\n")
    assert any(p.startswith("line 1: a.b: unknown key") for p in problems)
    assert any(p.startswith("line 2: x[0: unknown key") for p in problems)


def test_anchors_repeated_into_a_billion_things_are_read_once():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    problems = problems_of("\n".join(lines) + "\n")
    assert any("a8: unknown key" in p for p in problems)


def test_a_document_that_contains_itself_is_refused_with_its_place():
    problems = problems_of("teams: &t [*t]\n")
    assert any("teams" in p for p in problems)


def test_yaml_nested_deeper_than_python_can_follow_is_refused():
    problems = problems_of("teams: " + "[" * 5000 + "]" * 5000 + "\n")
    assert problems == ["(yaml): the file nests too deeply to read"]


def test_a_yaml_syntax_error_gives_its_line():
    assert problems_of("teams:\n  - id: [unclosed\n")[0].startswith("line 3: (yaml): ")


@settings(max_examples=300, deadline=None)
@given(document=DOCUMENTS)
@example(document={"teams": []})
@example(document={"coordinators": [{"phone": "555"}]})
def test_any_yaml_document_is_sites_or_problems_that_say_where(document):
    check_answer(dumped(document))


@settings(max_examples=200, deadline=None)
@given(text=st.text(st.sampled_from("ab:-[]{}&*!|>'\"# \n,?."), max_size=60))
def test_any_text_is_sites_or_problems_that_say_where(text):
    check_answer(text)


@pytest.mark.parametrize(("text", "problem"), [
    ("teams:\n  - id: [unclosed\n", "line 3: (yaml): expected ',' or ']', but got '<stream end>' "
                                    "(while parsing a flow sequence from line 2)"),
    ("a: b: c\n", "line 1: (yaml): mapping values are not allowed here"),
    ("a: *nope\n", "line 1: (yaml): found undefined alias 'nope'"),
])
def test_a_yaml_syntax_error_says_what_is_wrong_and_where_it_began(text, problem):
    assert problems_of(text) == [problem]


def test_a_file_that_is_not_utf8_text_is_refused_naming_the_byte(tmp_path):
    path = tmp_path / "sites.yaml"
    path.write_bytes(b"teams: []\ncoordinators: [{name: J\xe9r\xf4me}]\n")  # saved as Latin-1
    with pytest.raises(SitesFileError) as caught:
        load_sites(path)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}: not UTF-8 text: byte 0xe9 at position 33; save the file as UTF-8"]


def test_a_path_that_is_no_regular_file_is_refused_without_reading_it(tmp_path):
    fifo = tmp_path / "sites.yaml"
    os.mkfifo(fifo)  # reading a pipe no one writes to would wait for ever
    with pytest.raises(SitesFileError) as caught:
        load_sites(fifo)
    assert [str(p) for p in caught.value.problems] == [f"{fifo}: cannot read: not a regular file"]
