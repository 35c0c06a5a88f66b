"""The delivery machine: our own attempts, then what the provider says became of the message.

    pending --claim--> sending --the provider took it--> sent
                          |--provider said no (429)--> retry --claim--> sending
                          |--outcome unknown (timeout, 5xx)--> unsure --claim--> sending
                          |--permanent error--> failed
                          |--past its lease (the worker died)--> sending (claimed again)
    sent --status callback--> delivered | undelivered | failed | read;  delivered --> read
"""

from __future__ import annotations

from enum import StrEnum

from alerts.states import Machine


class DeliveryStatus(StrEnum):
    """deliveries.status: one message to one recipient on one channel."""

    PENDING = "pending"
    SENDING = "sending"  # claimed by a worker until its lease runs out
    RETRY = "retry"  # the provider surely did not take it: safe to send again
    UNSURE = "unsure"  # it may have: the next attempt asks the provider first
    SENT = "sent"  # the provider took it
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    READ = "read"  # a read receipt (channels that have them)


_D = DeliveryStatus
DELIVERY = Machine(_D, frozenset({_D.PENDING}), {
    _D.PENDING: frozenset({_D.SENDING}),
    _D.RETRY: frozenset({_D.SENDING}),
    _D.UNSURE: frozenset({_D.SENDING}),
    _D.SENDING: frozenset({_D.SENDING, _D.SENT, _D.RETRY, _D.UNSURE, _D.FAILED}),
    # From here on only the provider's status callbacks move a delivery, and only forward.
    _D.SENT: frozenset({_D.DELIVERED, _D.UNDELIVERED, _D.FAILED, _D.READ}),
    _D.DELIVERED: frozenset({_D.READ}),
    _D.UNDELIVERED: frozenset(),
    _D.FAILED: frozenset(),
    _D.READ: frozenset(),
})

# No attempt is left to make: the send job is done and a broadcast counts it as finished.
FINAL = frozenset({_D.SENT, _D.DELIVERED, _D.UNDELIVERED, _D.FAILED, _D.READ})
# Not yet with the provider, or maybe not.
UNSENT = frozenset(DeliveryStatus) - FINAL

# Twilio's MessageStatus values that tell us something. The rest say nothing new: "queued",
# "accepted", "scheduled" and Twilio's own "sending" come before "sent", and we only learn a
# message's sid once Twilio took it; "receiving"/"received" are inbound; "canceled" and
# "partially_delivered" concern scheduled and multi-part messages, which we do not send.
# Twilio's "sending" must never become ours: ours means a worker holds the claim.
_TWILIO = {"sent": _D.SENT, "delivered": _D.DELIVERED, "undelivered": _D.UNDELIVERED,
           "failed": _D.FAILED, "read": _D.READ,
           # A call's CallStatus once it ends: "completed" was picked up (by a person or a
           # voicemail box); "busy" and "no-answer" rang nobody awake. "canceled" is ours to
           # send only, which we never do; queued, ringing, in-progress say nothing final.
           "completed": _D.DELIVERED, "busy": _D.UNDELIVERED, "no-answer": _D.UNDELIVERED}


def from_twilio(message_status: str) -> DeliveryStatus | None:
    """A status callback's MessageStatus as a delivery state; None if it changes nothing."""
    return _TWILIO.get(message_status.strip().lower())

# A status that means the message did not reach its person: a staff alert escalates at once.
NOT_REACHED = frozenset({DeliveryStatus.UNDELIVERED, DeliveryStatus.FAILED})
