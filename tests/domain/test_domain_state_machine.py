"""Property-based: random sequences of status moves (allowed and forbidden), role changes, severity
changes, worker runs and clock ticks against a real database, checking the invariants after each step.

Each example declares a fresh incident in the same database, so examples do not interfere; each
operation runs in its own write transaction, as an API request would.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from warroom.core.errors import Conflict, Forbidden, Invalid, NotFound
from warroom.core.worker import Worker
from warroom.incidents.lifecycle import STATUSES, TRANSITIONS, is_open
from warroom.incidents.roles import ROLES, SINGLE_HOLDER_ROLES

# Timestamps that may only be set once and never move (nothing clears them).
FIXED = ("started_at", "detected_at", "declared_at", "acknowledged_at", "closed_at", "canceled_at")
# Timestamps a reopen may clear; set again later, they can only be later.
CLEARABLE = ("mitigated_at", "resolved_at")
ORDERED = ("declared_at", "mitigated_at", "resolved_at", "closed_at")


def make_machine(desk, runtime, clock, writers, viewer, visited: set[str]):
    severities = runtime.policy.names
    # Drawn by handle, so a failing example reads as a story: assign(actor='rita', user='sam').
    by_handle = {user.handle: user for user in writers}
    people = st.sampled_from(sorted(by_handle))

    class IncidentMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.ref = ""
            self.row: dict = {}
            self.status = "triage"
            self.severity = ""
            self.commander = None
            self.roles: set[tuple[str, int]] = set()

        # --- helpers ----------------------------------------------------------------------------

        def attempt(self, operation, *, expect=None, writes=()) -> bool:
            """Run one operation; check that it fails exactly as the model says, that a failure
            changes nothing, and that a success writes exactly the timeline events `writes` (a
            successful no-op writes none and changes nothing)."""
            before = self.row  # read back after the previous step
            try:
                operation()
            except (Conflict, Invalid, NotFound, Forbidden) as exc:
                assert expect is not None and isinstance(exc, expect), f"unexpected {exc!r}"
                assert desk.row(self.ref) == before, "a refused operation changed something"
                return False
            assert expect is None, f"expected {expect.__name__}, but the operation succeeded"
            after = desk.row(self.ref)
            added = after["event_kinds"][len(before["event_kinds"]):]
            assert after["event_kinds"][:len(before["event_kinds"])] == before["event_kinds"]
            assert added == list(writes), f"wrote {added}, expected {list(writes)}"
            if not writes:
                assert after == before, "a no-op changed something"
            self.check_progress(before, after)
            self.row = after
            return True

        def check_progress(self, before: dict, after: dict) -> None:
            if before["commander_id"] is not None:
                assert after["commander_id"] is not None, "the commander went away"
            for name in FIXED + CLEARABLE:
                if before[name] is not None and after[name] is not None:
                    assert after[name] >= before[name], f"{name} moved back"
            for name in FIXED:
                if before[name] is not None:
                    assert after[name] == before[name], f"{name} changed once set"
            if before["acknowledged_at"] is not None:
                assert after["response_due_at"] == before["response_due_at"]

        # --- declaring --------------------------------------------------------------------------

        @initialize(severity=st.sampled_from(severities), reporter=people,
                    commander=st.one_of(st.none(), people, people))
        def declare(self, severity, reporter, commander):
            fields = {"commander": commander} if commander is not None else {}
            self.ref = desk.declare(by_handle[reporter], "Random walk", severity, **fields)
            self.row = desk.row(self.ref)
            self.severity = severity
            self.commander = by_handle[commander].id if commander is not None else None
            assert self.row["response_due_at"] == runtime.policy.response_due(severity, clock.now())

        # --- operations -------------------------------------------------------------------------

        @rule(minutes=st.integers(0, 36 * 60))
        def tick(self, minutes):
            clock.advance(minutes=minutes)

        @rule(actor=people, moves=st.integers(1, 3), data=st.data())
        def move_along(self, actor, moves, data):
            """A few moves the lifecycle allows, each checked alone (random moves rarely get far)."""
            for _ in range(moves):
                if not TRANSITIONS[self.status]:
                    return
                target = data.draw(st.sampled_from(TRANSITIONS[self.status]), label="new_status")
                self.change_status(actor, target, "rolled back" if target == "resolved" else None)

        @rule(actor=people, new_status=st.sampled_from(STATUSES),
              resolution=st.sampled_from([None, "", "  ", "rolled back"]))
        def change_status(self, actor, new_status, resolution):
            target, actor = new_status, by_handle[actor]
            old, given = self.status, (resolution or "").strip()
            if target == old or target not in TRANSITIONS[old]:
                expect = Conflict
            elif old == "triage" and target != "canceled" and self.commander is None:
                expect = Conflict
            elif (target == "resolved") != bool(given):  # needed to resolve, refused otherwise
                expect = Invalid
            elif target == "closed" and runtime.policy.level(self.severity).postmortem_required:
                expect = Conflict  # nobody publishes a postmortem in this machine
            else:
                expect = None
            if not self.attempt(lambda: desk.status(actor, self.ref, target, resolution=resolution),
                                expect=expect, writes=["status_changed"]):
                return
            self.status = target
            visited.add(target)
            row, now = self.row, clock.now()
            assert row["status"] == target
            if target in ("investigating", "identified") and old in ("mitigated", "resolved"):
                assert row["mitigated_at"] is None and row["resolved_at"] is None
            if old == "resolved" and target == "investigating":
                assert row["resolution"] == ""
            if target in ("mitigated", "resolved"):
                assert row["mitigated_at"] is not None and row["mitigated_at"] <= now
            if target == "resolved":
                assert row["resolved_at"] == now and row["resolution"] == "rolled back"
            if target in ("closed", "canceled"):
                assert row[f"{target}_at"] == now

        @rule(actor=people, user=people)
        def hand_over_command(self, actor, user):
            actor, user, first = by_handle[actor], by_handle[user], self.commander is None
            if not self.attempt(lambda: desk.assign(actor, self.ref, "commander", user),
                                writes=["commander_changed"] if self.commander != user.id else []):
                return
            self.commander = user.id
            assert self.row["commander_id"] == user.id
            if first:
                assert self.row["acknowledged_at"] == clock.now()
            assert user.id in self.row["participants"]

        @rule(actor=people, role=st.sampled_from([r for r in ROLES if r != "commander"]), user=people)
        def assign_role(self, actor, role, user):
            actor, user = by_handle[actor], by_handle[user]
            held = (role, user.id) in self.roles
            if not self.attempt(lambda: desk.assign(actor, self.ref, role, user),
                                writes=[] if held else ["role_assigned"]):
                return
            if role in SINGLE_HOLDER_ROLES:
                self.roles = {(r, u) for r, u in self.roles if r != role}
            self.roles.add((role, user.id))
            assert set(self.row["roles"]) == self.roles and len(self.row["roles"]) == len(self.roles)

        @rule(actor=people, role=st.sampled_from(ROLES), user=people)
        def remove_role(self, actor, role, user):
            actor, user = by_handle[actor], by_handle[user]
            expect = Conflict if role == "commander" else None if (role, user.id) in self.roles else NotFound
            if self.attempt(lambda: desk.unassign(actor, self.ref, role, user), expect=expect,
                            writes=["role_removed"]):
                self.roles.discard((role, user.id))
                assert set(self.row["roles"]) == self.roles

        @rule(actor=people, severity=st.sampled_from(severities))
        def change_severity(self, actor, severity):
            actor = by_handle[actor]
            changed = severity != self.severity
            if not self.attempt(lambda: desk.severity(actor, self.ref, severity),
                                writes=["severity_changed"] if changed else []):
                return
            self.severity = severity
            assert self.row["severity"] == severity
            if changed and self.row["acknowledged_at"] is None and is_open(self.status):
                assert self.row["response_due_at"] == runtime.policy.response_due(severity, clock.now())

        @rule(operation=st.sampled_from(["status", "commander", "severity", "note"]))
        def viewer_tries(self, operation):
            calls = {
                "status": lambda: desk.status(viewer, self.ref, "canceled"),
                "commander": lambda: desk.assign(viewer, self.ref, "commander", viewer),
                "severity": lambda: desk.severity(viewer, self.ref, "SEV1"),
                "note": lambda: desk.note(viewer, self.ref, "can I write?"),
            }
            self.attempt(calls[operation], expect=Forbidden)

        @rule()
        def run_worker(self):
            Worker(runtime).run_once()
            # The worker may record that the response target was missed or that a status update is
            # overdue (firing their timers); it never changes the incident itself.
            before, after = self.row, desk.row(self.ref)
            unchanged = {"event_kinds": [], "waiting": [], "update_waiting": []}
            assert {**after, **unchanged} == {**before, **unchanged}
            added = after["event_kinds"][len(before["event_kinds"]):]
            expected = []
            if before["waiting"] and before["waiting"][0] <= clock.now():
                assert after["waiting"] == []
                assert before["acknowledged_at"] is None and is_open(before["status"])
                expected.append("response_target_missed")
            else:
                assert after["waiting"] == before["waiting"]
            if before["update_waiting"] and before["update_waiting"][0] <= clock.now():
                assert after["update_waiting"] == [] and is_open(before["status"])
                expected.append("update_overdue")
            else:
                assert after["update_waiting"] == before["update_waiting"]
            assert sorted(added) == sorted(expected)
            self.row = after

        # --- invariants -------------------------------------------------------------------------

        @invariant()
        def timestamps_are_in_order(self):
            if not self.ref:
                return
            row = self.row
            assert (row["commander_id"] is None) == (self.commander is None)
            assert (row["acknowledged_at"] is None) == (row["commander_id"] is None)
            for name in ("acknowledged_at", "mitigated_at", "resolved_at", "closed_at", "canceled_at"):
                if row[name] is not None:
                    assert row["declared_at"] <= row[name] <= clock.now(), name
            present = [row[name] for name in ORDERED if row[name] is not None]
            assert present == sorted(present), "mitigated <= resolved <= closed broken"
            assert (row["resolved_at"] is not None) == (row["status"] in ("resolved", "closed"))
            assert (row["closed_at"] is not None) == (row["status"] == "closed")
            assert (row["canceled_at"] is not None) == (row["status"] == "canceled")
            assert row["started_at"] <= row["detected_at"] <= row["declared_at"]

        @invariant()
        def only_an_unanswered_open_incident_waits_for_a_response(self):
            if not self.ref:
                return
            waiting = self.row["waiting"]
            if self.row["acknowledged_at"] is not None or not is_open(self.row["status"]):
                assert waiting == [], "a response timer is pending for an answered or finished incident"
            else:
                assert waiting in ([], [self.row["response_due_at"]])

        @invariant()
        def an_open_incident_owes_an_update_and_a_finished_one_does_not(self):
            if not self.ref:
                return
            row = self.row
            if is_open(row["status"]):
                assert row["next_update_due"] is not None
                assert row["update_waiting"] in ([], [row["next_update_due"]])
            else:
                assert row["next_update_due"] is None and row["update_waiting"] == []

    return IncidentMachine


def test_random_operation_sequences_keep_the_invariants(desk, runtime, clock, rita, sam, ada, victor):
    visited: set[str] = set()
    machine = make_machine(desk, runtime, clock, [rita, sam, ada], victor, visited)
    run_state_machine_as_test(machine, settings=settings(
        max_examples=50, stateful_step_count=20, deadline=None, database=None,
        suppress_health_check=[HealthCheck.too_slow]))
    # The walks really did move through the lifecycle (walks stuck in triage would prove little);
    # typically all six statuses after triage are reached.
    assert len(visited) >= 4, visited
