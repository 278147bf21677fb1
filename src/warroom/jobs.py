"""Wires the domains together at start: timer handlers, outbox transports, and the hooks by which
one domain reacts to another's events. Every process calls it (Runtime.from_settings does), so a
web process routes what it records and a worker knows every timer and transport."""


def load_all_handlers() -> None:
    import warroom.comms.reminders  # noqa: F401
    import warroom.comms.transports  # noqa: F401
    import warroom.incidents.deadlines  # noqa: F401
    import warroom.oncall.page_transports  # noqa: F401
    import warroom.statuspage.maintenance  # noqa: F401
    from warroom.alerts import grouping
    from warroom.comms import routing
    from warroom.incidents import live
    from warroom.oncall import paging
    from warroom.postmortems import reminders
    from warroom.statuspage import incidents as status_incidents
    from warroom.statuspage import notify as status_notify

    routing.install()
    grouping.install()
    live.install()
    paging.install()
    reminders.install()
    status_incidents.install()
    status_notify.install()
