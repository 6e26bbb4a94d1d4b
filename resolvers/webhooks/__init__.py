"""Webhooks: endpoints (service), delivery of the outbox (delivery, jobs), attempts (deliveries).

Changes announce themselves with ``resolvers.outbox.emit``; see README "Webhooks" for receivers.
"""
