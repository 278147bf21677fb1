"""Insights: MTTA/MTTM/MTTR, response-target compliance, incidents over time, postmortems and action
items completed on time (service.py has the definitions)."""
