"""covering index for the incident list

The incident list filters on status, orders by id and checks visibility for every match. With the
index on (status, id) alone, each of the ~1,500 open incidents of a 100,000-incident database cost a
table row read, twice per request (count and page); (status, id, visibility) answers both from the
index. See bench/README.md.

Revision ID: 198075cf9818
Revises: 666887285d10
Create Date: 2026-11-26 16:16:02.057372
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '198075cf9818'
down_revision: str | None = '666887285d10'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.create_index('ix_incidents_status_id_visibility', ['status', 'id', 'visibility'], unique=False)
        batch_op.drop_index(batch_op.f('ix_incidents_status_id'))


def downgrade() -> None:
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incidents_status_id'), ['status', 'id'], unique=False)
        batch_op.drop_index('ix_incidents_status_id_visibility')
