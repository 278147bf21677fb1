"""user passwords and web sessions

users.password_hash (argon2, nullable: no password means no web sign-in), web_sessions (browser
sessions: a hashed cookie token, a CSRF token, idle and absolute expiry) and sign_in_failures (the
throttle on failed sign-ins, per account and per client address, shared by every web process).

Revision ID: 8b52fba5e4b6
Revises: 198075cf9818
Create Date: 2026-11-26 17:08:05.438457
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import warroom.core.db


revision: str = '8b52fba5e4b6'
down_revision: str | None = '198075cf9818'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('sign_in_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('failed_at', warroom.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_failures'))
    )
    with op.batch_alter_table('sign_in_failures', schema=None) as batch_op:
        batch_op.create_index('ix_sign_in_failures_address_failed', ['address', 'failed_at'], unique=False)
        batch_op.create_index('ix_sign_in_failures_email_failed', ['email', 'failed_at'], unique=False)

    op.create_table('web_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', warroom.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', warroom.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', warroom.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_web_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_web_sessions_token_hash'))
    )
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_web_sessions_user_id', ['user_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_hash', sa.String(length=255), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('password_hash')

    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_web_sessions_user_id')

    op.drop_table('web_sessions')
    with op.batch_alter_table('sign_in_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_sign_in_failures_email_failed')
        batch_op.drop_index('ix_sign_in_failures_address_failed')

    op.drop_table('sign_in_failures')
