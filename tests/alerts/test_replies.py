"""The SMS reply grammar, as staff type it on the street."""

import pytest

from alerts.replies import Refused, Reply, named, opt_keyword, parse_reply

REPLIES = [
    ("12A", Reply("ack", 12)),
    ("12a", Reply("ack", 12)),
    ("#12A", Reply("ack", 12)),
    (" 12 a ", Reply("ack", 12)),
    ("ACK 12", Reply("ack", 12)),
    ("ack #12", Reply("ack", 12)),
    ("Ack12", Reply("ack", 12)),
    ("A", Reply("ack")),
    ("a", Reply("ack")),
    ("A12", Reply("ack", 12)),
    ("A # 12", Reply("ack", 12)),
    ("12A.", Reply("ack", 12)),
    ("12A omw . .", Reply("ack", 12, "omw")),
    ("12A omw 5 min", Reply("ack", 12, "omw 5 min")),
    ("12S", Reply("scene", 12)),
    ("SCENE 12", Reply("scene", 12)),
    ("s", Reply("scene")),
    ("12N talked to the brother", Reply("note", 12, "talked to the brother")),
    ("NOTE 12 crowd calm now", Reply("note", 12, "crowd calm now")),
    ("N crowd calm", Reply("note", None, "crowd calm")),
    ("NEED 12 backup, crowd growing", Reply("need", 12, "backup, crowd growing")),
    ("need second team", Reply("need", None, "second team")),
    ("12C mediated", Reply("close", 12, "", "mediated")),
    ("12c Hospital visit with mom", Reply("close", 12, "with mom", "hospital-visit")),
    ("CLOSE 12 no contact", Reply("close", 12, "", "no-contact")),
    ("close 7 referred to GVI", Reply("close", 7, "to GVI", "referred")),
    ("C other", Reply("close", None, "", "other")),
    ("12K", Reply("safe", 12)),
    ("OK 12", Reply("safe", 12)),
    ("ok", Reply("okay")),  # a bare ok is never a check-out
    ("K", Reply("okay")),
    ("Safe", Reply("okay")),
    ("ok thanks", Reply("okay", None, "thanks")),
    ("K 12", Reply("safe", 12)),
    ("12X", Reply("cant", 12)),
    ("12x stuck in court", Reply("cant", 12, "stuck in court")),
    ("CANT 12", Reply("cant", 12)),
    ("cant", Reply("cant")),
    ("X", Reply("cant")),
    ("EXTEND 12 30", Reply("extend", 12, minutes=30)),
    ("extend 12 45 min", Reply("extend", 12, minutes=45)),
    ("EXTEND 12", Reply("extend", 12, minutes=30)),
    ("EXTEND", Reply("extend", minutes=30)),
    ("EXTEND 12 600", Reply("extend", 12, minutes=240)),  # capped
    ("CLEAR 12", Reply("clear", 12)),
    ("clear 12 Luis", Reply("clear", 12, "Luis")),
    ("Clear #12 luis feliz.", Reply("clear", 12, "luis feliz")),
    ("CLEAR12 Luis", Reply("clear", 12, "Luis")),
    ("CLEAR", Reply("clear")),
    ("clear Luis", Reply("clear", None, "Luis")),
    ("STATUS", Reply("status")),
    ("status", Reply("status")),
    ("Help", Reply("help")),  # the codes, or an SOS when nothing is open: the inbox decides
    ("12\u00a0A", Reply("ack", 12)),
    # SOS, with or without an alert open: the words after it are what the supervisor reads.
    ("SOS", Reply("sos")),
    ("sos", Reply("sos")),
    ("SOS!", Reply("sos")),
    ("SOS they have a gun", Reply("sos", None, "they have a gun")),
    ("sos: 2 guys following me", Reply("sos", None, "2 guys following me")),
    ("SOS 12 need help", Reply("sos", None, "12 need help")),  # a number is part of the words
    ("SOS12", Reply("sos", None, "12")),
    # "help me" is a plea, never a request for the codes: an SOS, word for word.
    ("help me", Reply("sos", None, "help me")),
    ("HELP ME NOW!!", Reply("sos", None, "HELP ME NOW")),
    ("Help 12", Reply("sos", None, "Help 12")),
    # A bare NEED is a call for support (an SOS when no alert is open), never refused.
    ("NEED", Reply("need")),
    ("NEED 12", Reply("need", 12)),
]


@pytest.mark.parametrize(("text", "expected"), REPLIES)
def test_replies_are_understood(text, expected):
    assert parse_reply(text) == expected


@pytest.mark.parametrize(("text", "expected"), REPLIES)
def test_a_reply_spelt_back_in_its_long_form_is_understood_the_same(text, expected):
    assert parse_reply(expected.as_text()) == expected


@pytest.mark.parametrize(("reply", "spelt"), [
    (Reply("ack", 12), "ACK 12"),
    (Reply("ack"), "ACK"),
    (Reply("note", 7, "crowd calm"), "NOTE 7 crowd calm"),
    (Reply("close", 12, "with mom", "hospital-visit"), "CLOSE 12 hospital-visit with mom"),
    (Reply("safe", 12), "SAFE 12"),
    (Reply("cant", 12), "CANT 12"),
    (Reply("extend", 12, minutes=45), "EXTEND 12 45"),
    (Reply("clear", 12, "Luis"), "CLEAR 12 Luis"),
    (Reply("status"), "STATUS"),
    (Reply("sos", None, "help me"), "SOS help me"),
])
def test_a_reply_is_spelt_in_its_long_form(reply, spelt):
    assert reply.as_text() == spelt


@pytest.mark.parametrize(("text", "reason"), [
    ("", "empty"),
    ("   ", "empty"),
    ("12", "not a reply code"),
    ("hello?", "not a reply code"),
    ("12Z", "not a reply code"),
    ("EXTEND 12 later", "EXTEND takes minutes"),
    ("EXTEND 12 0", "at least 1 minute"),
    ("12N", "needs a few words"),
    ("NOTE 12", "needs a few words"),
    ("SOSA", "not a reply code"),  # a word that starts with SOS is not one
    ("Sosa here", "not a reply code"),
    ("12C", "close with an outcome"),
    ("12C because", "close with an outcome"),
    ("0A", "start at 1"),
    ("1234A", "not a reply code"),
    ("STATUS 12", "takes nothing"),
    ("CLEAR 0", "start at 1"),
    ("12 CLEAR", "not a reply code"),
    ("CLEARS 12", "not a reply code"),
    ("STOP", "not a reply code"),
])
def test_what_is_refused_says_why(text, reason):
    refused = parse_reply(text)
    assert isinstance(refused, Refused)
    assert reason in refused.reason


@pytest.mark.parametrize(("text", "keyword"), [
    ("STOP", "stop"), ("stop", "stop"), ("Stop.", "stop"), ("STOPALL", "stop"),
    ("UNSUBSCRIBE", "stop"), ("cancel", "stop"), ("END", "stop"), ("QUIT", "stop"),
    ("START", "start"), ("unstop", "start"), ("HELP", "help"), ("info", "help"),
    ("stop sending me these", None), ("12A", None), ("YES", None),
])
def test_opt_out_keywords_match_only_the_whole_message(text, keyword):
    assert opt_keyword(text) == keyword


ON_SCENE = ("Luis Feliz", "Grace Kim", "Luis Ortiz")


@pytest.mark.parametrize(("wanted", "names"), [
    ("", ON_SCENE),  # no name: everyone (the inbox asks which, unless there is only one)
    ("grace", ("Grace Kim",)),
    ("KIM", ("Grace Kim",)),
    ("Grace is home now", ("Grace Kim",)),  # words after the name are let be
    ("luis", ("Luis Feliz", "Luis Ortiz")),  # two Luises: the inbox asks which
    ("Luis Feliz", ("Luis Feliz",)),  # the whole name settles it
    ("luis feliz got home", ("Luis Feliz",)),
    ("Victor", ()),
    ("Lu", ()),  # a word, not a prefix: "Lu" could be anyone
])
def test_clear_names_a_member_on_scene_by_their_name_or_one_of_its_words(wanted, names):
    assert tuple(named(wanted, ON_SCENE)) == names
