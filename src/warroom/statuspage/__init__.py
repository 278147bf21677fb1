"""The public status page: components, public incidents, maintenance, subscriptions."""
