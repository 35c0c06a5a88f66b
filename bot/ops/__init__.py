"""What operators read: metrics and readiness."""
