"""Outbound transports behind one `Notifier` port: Twilio, Slack and the local outbox."""
