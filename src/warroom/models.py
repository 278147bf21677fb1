"""Imports every table module so that Base.metadata knows the whole schema (for Alembic)."""


def load_all_models() -> None:
    import warroom.alerts.models  # noqa: F401
    import warroom.catalog.models  # noqa: F401
    import warroom.comms.models  # noqa: F401
    import warroom.core.outbox  # noqa: F401
    import warroom.core.timers  # noqa: F401
    import warroom.incidents.models  # noqa: F401
    import warroom.oncall.models  # noqa: F401
    import warroom.postmortems.models  # noqa: F401
    import warroom.statuspage.models  # noqa: F401
    import warroom.users.models  # noqa: F401
