"""The hand-written exposition reads back, through Prometheus's own parser, as what was meant."""

import math

from prometheus_client.parser import text_string_to_metric_families

from bot.ops.metrics import Family, Histogram, Sample, family, labels, render


def parsed(text):
    return {f.name: f for f in text_string_to_metric_families(text)}


def test_label_values_and_help_are_escaped_and_read_back_verbatim():
    awkward = 'a "quoted" back\\slash\nand a new line'
    text = render([family("cmsbot_x", "gauge", "help with \\ and\na new line",
                          {labels(kind=awkward): 3})])
    assert text.endswith("\n") and text.count("\n") == 3  # the new lines were escaped
    read = parsed(text)["cmsbot_x"]
    assert read.documentation == "help with \\ and\na new line"
    assert read.samples[0].labels == {"kind": awkward} and read.samples[0].value == 3


def test_numbers_are_written_as_prometheus_reads_them():
    text = render([Family("cmsbot_n", "gauge", "numbers", [
        Sample("cmsbot_n", labels(v="int"), 7.0), Sample("cmsbot_n", labels(v="frac"), 0.25),
        Sample("cmsbot_n", labels(v="inf"), math.inf), Sample("cmsbot_n", labels(v="nan"), math.nan)])])
    assert 'cmsbot_n{v="int"} 7\n' in text and 'cmsbot_n{v="inf"} +Inf\n' in text
    values = {s.labels["v"]: s.value for s in parsed(text)["cmsbot_n"].samples}
    assert values["int"] == 7 and values["frac"] == 0.25 and values["inf"] == math.inf
    assert math.isnan(values["nan"])


def test_a_histogram_counts_a_value_on_a_bound_in_that_bucket_and_is_cumulative():
    histogram = Histogram((1.0, 5.0))
    for seconds in (0.5, 1.0, 3.0, 9.0):
        histogram.observe(seconds, labels(route="/twilio/sms"))
    read = parsed(render([histogram.family("cmsbot_h_seconds", "latency")]))["cmsbot_h_seconds"]
    assert read.type == "histogram"
    assert [(s.name, s.labels.get("le"), s.value) for s in read.samples] == [
        ("cmsbot_h_seconds_bucket", "1", 2), ("cmsbot_h_seconds_bucket", "5", 3),
        ("cmsbot_h_seconds_bucket", "+Inf", 4), ("cmsbot_h_seconds_sum", None, 13.5),
        ("cmsbot_h_seconds_count", None, 4)]
    assert all(s.labels["route"] == "/twilio/sms" for s in read.samples)


def test_a_histogram_with_no_observation_is_a_family_with_no_samples():
    text = render([Histogram((1.0,)).family("cmsbot_h_seconds", "latency")])
    assert text == ("# HELP cmsbot_h_seconds latency\n"
                    "# TYPE cmsbot_h_seconds histogram\n")
    assert parsed(text)["cmsbot_h_seconds"].samples == []
