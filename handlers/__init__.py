"""Inbound edges: the ingest API, Twilio webhooks, health. Parse, authorise, call the domain, answer fast."""
