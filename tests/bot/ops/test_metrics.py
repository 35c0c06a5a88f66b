"""The webhook histogram in an app's own registry reads back, through Prometheus's own parser,
as the hand-written exposition did: a value on a bound is in that bucket, buckets are
cumulative, `le` is written `3` (not `3.0`) and no `_created` series appears beside it."""

from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from bot.ops.metrics import exposition
from handlers.timing import webhook_seconds


def parsed(text: bytes):
    return {f.name: f for f in text_string_to_metric_families(text.decode())}


def test_a_webhook_histogram_counts_a_value_on_a_bound_in_that_bucket_and_is_cumulative():
    registry = CollectorRegistry()
    histogram = webhook_seconds(registry)
    for seconds in (0.5, 1.0, 3.0, 20.0):
        histogram.labels(route="/twilio/sms", code="2xx").observe(seconds)
    families = parsed(exposition(registry))
    assert list(families) == ["cmsbot_webhook_seconds"]  # and no cmsbot_webhook_seconds_created
    read = families["cmsbot_webhook_seconds"]
    assert read.type == "histogram"
    buckets = {s.labels["le"]: s.value for s in read.samples if s.name.endswith("_bucket")}
    assert buckets == {"0.01": 0, "0.025": 0, "0.05": 0, "0.1": 0, "0.25": 0, "0.5": 1, "1": 2,
                       "2": 2, "3": 3, "5": 3, "10": 3, "15": 3, "+Inf": 4}
    totals = {s.name: s.value for s in read.samples if not s.name.endswith("_bucket")}
    assert totals == {"cmsbot_webhook_seconds_count": 4, "cmsbot_webhook_seconds_sum": 24.5}
    assert all(s.labels["route"] == "/twilio/sms" and s.labels["code"] == "2xx"
               for s in read.samples)


def test_a_webhook_histogram_with_no_observation_is_a_family_with_no_samples():
    registry = CollectorRegistry()
    webhook_seconds(registry)
    text = exposition(registry)
    assert text == (b"# HELP cmsbot_webhook_seconds Time this web process took to answer a "
                    b"webhook, by route and status class.\n"
                    b"# TYPE cmsbot_webhook_seconds histogram\n")


def test_each_registry_keeps_its_own_counts_and_the_global_one_none():
    first, second = CollectorRegistry(), CollectorRegistry()
    webhook_seconds(first).labels(route="/slack/events", code="2xx").observe(0.2)
    webhook_seconds(second)  # the same name again: no clash, as for a second app
    assert parsed(exposition(second))["cmsbot_webhook_seconds"].samples == []
    assert len(parsed(exposition(first))["cmsbot_webhook_seconds"].samples) == 15
    assert not [f for f in REGISTRY.collect() if f.name.startswith("cmsbot_")]
