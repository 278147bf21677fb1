"""Blameless postmortems (with a 5-whys chain, a timeline, reviewers and history) and the action
items that come out of incidents."""
