"""People and the catalog in the domain: editing a service, the users overview, signing out elsewhere."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from warroom.catalog.models import Service
from warroom.catalog.service import create_service, get_service, update_service
from warroom.core.errors import Forbidden, Invalid, NotFound
from warroom.users import service as users
from warroom.users.models import User, WebSession
from warroom.users.websessions import hash_session_token, open_session


def test_only_admins_edit_a_service_and_the_name_stays(desk, ada, rita):
    with desk.ctx(rita) as ctx:
        service_id = create_service(ctx, name="checkout", description="Cart", owning_team="Payments").id
    with desk.ctx(rita) as ctx, pytest.raises(Forbidden):
        update_service(ctx, get_service(ctx.db, service_id), owning_team="Rita's team")
    with desk.ctx(ada) as ctx, pytest.raises(Invalid) as error:
        update_service(ctx, get_service(ctx.db, service_id), owning_team="x" * 101)
    assert error.value.field == "owning_team"
    with desk.ctx(ada) as ctx:
        update_service(ctx, get_service(ctx.db, service_id), description="  Cart and orders ",
                       owning_team="Checkout squad")
    with desk.ctx(ada) as ctx:
        service = ctx.db.get(Service, service_id)
        assert (service.name, service.description, service.owning_team) == ("checkout", "Cart and orders",
                                                                              "Checkout squad")
        update_service(ctx, service, description="Only this")  # the team is left as it was
    with desk.reading() as ctx:
        assert ctx.db.get(Service, service_id).owning_team == "Checkout squad"
        with pytest.raises(NotFound):
            get_service(ctx.db, 9999)


def test_the_users_overview_shows_last_seen_and_live_tokens(desk, runtime, ada, rita, victor):
    with desk.ctx(rita) as ctx, pytest.raises(Forbidden):
        users.list_all_users(ctx)
    with desk.ctx(ada) as ctx:
        me = ctx.db.get(User, rita.id)
        token, _ = users.create_token(ctx, me, "laptop")
        users.revoke_token(ctx, token.id)  # revoked tokens do not count
        users.touch_token(ctx.db, token.id, runtime.clock)
        users.set_active(ctx, ctx.db.get(User, victor.id), False)
    runtime.clock.advance(minutes=5)
    with desk.ctx(ada) as ctx:
        open_session(ctx.db, runtime.clock, ctx.db.get(User, ada.id))
    with desk.ctx(ada) as ctx:
        rows = {user.handle: activity for user, activity in users.list_all_users(ctx)}
        order = [user.handle for user, _ in users.list_all_users(ctx)]
    assert order[-1] == "victor"  # deactivated people last
    assert rows["rita"].tokens == 1 and rows["rita"].last_seen_at == runtime.clock.now() - timedelta(minutes=5)
    assert rows["ada"].last_seen_at == runtime.clock.now() and rows["ada"].tokens == 1
    assert rows["victor"].tokens == 1


def test_signing_out_everywhere_else_keeps_this_session(desk, runtime, ada, rita):
    with desk.ctx(rita) as ctx:
        me = ctx.db.get(User, rita.id)
        sessions = [open_session(ctx.db, runtime.clock, me) for _ in range(3)]
        mine = ctx.db.scalar(select(WebSession.id).where(
            WebSession.token_hash == hash_session_token(sessions[0].token)))
        assert users.other_sessions(ctx.db, me, mine) == 2
    with desk.ctx(ada) as ctx:
        open_session(ctx.db, runtime.clock, ctx.db.get(User, ada.id))
    with desk.ctx(rita) as ctx, pytest.raises(Forbidden):
        users.sign_out_elsewhere(ctx, ctx.db.get(User, ada.id), mine)  # not someone else's
    with desk.ctx(rita) as ctx:
        assert users.sign_out_elsewhere(ctx, ctx.db.get(User, rita.id), mine) == 2
    with desk.reading() as ctx:
        left = ctx.db.scalars(select(WebSession.id).where(WebSession.user_id == rita.id)).all()
        assert left == [mine]
        assert ctx.db.scalar(select(func.count(WebSession.id)).where(WebSession.user_id == ada.id)) == 1
