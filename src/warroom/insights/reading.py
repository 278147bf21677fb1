"""Reading many rows fast, for the insights report: 100,000 incidents with their services,
postmortems and action items (bench/insights.py).

What made the difference, measured there:
- Timestamps as the driver returns them (`raw`), not through UTCDateTime, which converts every
  value in Python: with six timestamps an incident, that took 4-5 times as long as the fetch.
- On PostgreSQL, results in binary format: psycopg converts binary values about twice as fast as
  text, and SQLAlchemy's psycopg dialect always asks for text. The statement is still built by
  SQLAlchemy and runs on the session's own connection, in its transaction.
- Plain tuples a small batch at a time (BATCH): no Row objects, and none that live long enough
  for the garbage collector to walk them again and again.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from itertools import chain

from sqlalchemy import DateTime, Select, select, text, type_coerce

from warroom.core.context import Context

# Rows are read and dropped a few hundred at a time, fewer than the garbage collector's first
# threshold (700 new objects), so almost none survive into the generations it walks in full. With
# 5,000 a batch there were ~380 collections a report instead of 3, and it took ~30% longer.
BATCH = 500


def raw(column):
    """A timestamp column as the driver returns it: naive UTC on SQLite, as stored; aware UTC on
    PostgreSQL once `read_in_utc` has run. Compare such values only with `row_form` moments."""
    return type_coerce(column, DateTime(timezone=True))


def is_sqlite(ctx: Context) -> bool:
    return ctx.db.get_bind().dialect.name == "sqlite"


def read_in_utc(ctx: Context) -> None:
    """PostgreSQL hands timestamps back in the session's time zone (e.g. Europe/Berlin). Python
    subtracts and compares two datetimes of one zone on their wall clocks, an hour off across a
    DST change, and those of two zones slowly; in UTC both are exact and fast. SET LOCAL lasts
    until this (read) transaction ends."""
    if not is_sqlite(ctx):
        ctx.db.execute(text("SET LOCAL TIME ZONE 'UTC'"))


def row_form(ctx: Context, moment: datetime) -> datetime:
    """An aware UTC moment in the form `raw` values have, so that the two compare and subtract."""
    return moment.replace(tzinfo=None) if is_sqlite(ctx) else moment


def batches(ctx: Context, query: Select) -> Iterator[list[tuple]]:
    """The rows of a Core select as plain tuples, a batch at a time."""
    connection = ctx.db.connection()
    if connection.dialect.name != "postgresql":
        yield from connection.execute(query).partitions(BATCH)
        return
    # Bind values go to the driver as they are, without SQLAlchemy's type processing: fine for the
    # integers, strings and aware datetimes the report's queries use.
    compiled = query.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    with connection.connection.driver_connection.cursor(binary=True) as cursor:
        cursor.execute(str(compiled), compiled.params)
        while batch := cursor.fetchmany(BATCH):
            yield batch


class Scope:
    """The incidents in scope by id (id -> position in the report's lists), for reading the rows
    that hang off them (services, postmortems, action items)."""

    def __init__(self, position: dict[int, int]) -> None:
        self.position = position
        self.ids = (min(position), max(position)) if position else None

    def children(self, ctx: Context, incident_column, *columns, where=()) -> Iterator[tuple]:
        """(incident_id, *columns) of the rows whose incident is in scope. Asked for by the range of
        incident ids in scope and kept here by id: the same rows as joining the scope's conditions
        again, without evaluating them over the incidents table once more for each table."""
        if self.ids is None:
            return iter(())
        query = select(incident_column, *columns).where(incident_column.between(*self.ids), *where)
        position = self.position
        return chain.from_iterable([row for row in batch if row[0] in position] for batch in batches(ctx, query))
