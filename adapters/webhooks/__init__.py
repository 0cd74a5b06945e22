"""Outbound webhooks: signed HTTP deliveries of processed events to subscribers."""
