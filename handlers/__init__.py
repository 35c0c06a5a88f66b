"""Inbound edges: the JSON API, Twilio webhooks, Slack, the dashboard, health and metrics.

Parse, authorise, call a service, answer fast."""
