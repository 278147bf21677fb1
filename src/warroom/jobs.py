"""Imports every module that registers timer handlers, so a worker knows them all."""


def load_all_handlers() -> None:
    import warroom.incidents.deadlines  # noqa: F401
