"""Communication: structured status updates, templates, cadence, channels and routing."""
