"""Routing: skills, branches, capacity, load, turn-taking, escalation, and the reason given."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.routing import Candidate, RoutingDecision, TicketToRoute, choose_agent, waiting_order
from domain.values import Priority, Role

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def agent(agent_id: str, *, name: str | None = None, role: Role = Role.AGENT,
          active: bool = True, skills: tuple[str, ...] = ("billing",),
          branches: tuple[str, ...] = (), capacity: int = 10, open_assigned: int = 0,
          escalation: bool = False, last_assigned_at: datetime | None = T0) -> Candidate:
    return Candidate(agent_id=agent_id, name=name or f"Agent {agent_id}", role=role,
                     active=active, skills=skills, branches=branches, capacity=capacity,
                     open_assigned=open_assigned, escalation=escalation,
                     last_assigned_at=last_assigned_at)


def ticket(category: str = "billing", priority: Priority = Priority.MEDIUM,
           branch: str | None = None, number: str = "T-1") -> TicketToRoute:
    return TicketToRoute(number=number, category=category, priority=priority, branch=branch)


def chosen(t: TicketToRoute, *candidates: Candidate) -> str | None:
    decision = choose_agent(t, candidates)
    return None if decision is None else decision.agent_id


def assigned(c: Candidate, at: datetime) -> Candidate:
    """The candidate after the router gave it one more ticket at ``at``."""
    return replace(c, open_assigned=c.open_assigned + 1, last_assigned_at=at)


# skills ---------------------------------------------------------------------------------------

def test_an_agent_with_the_skill_is_preferred_even_when_busier():
    billing = agent("a", skills=("billing",), open_assigned=5)
    shipping = agent("b", skills=("shipping",), open_assigned=0)
    assert chosen(ticket("billing"), billing, shipping) == "a"
    assert chosen(ticket("shipping"), billing, shipping) == "b"


def test_when_nobody_eligible_has_the_skill_anyone_eligible_qualifies():
    a = agent("a", skills=("shipping",), open_assigned=3)
    b = agent("b", skills=("returns",), open_assigned=1)
    decision = choose_agent(ticket("billing"), [a, b])
    assert decision is not None and decision.agent_id == "b"
    assert "nobody has skill 'billing'" in decision.reason


def test_a_skilled_agent_who_cannot_take_the_ticket_does_not_count_as_having_the_skill():
    full = agent("a", skills=("billing",), capacity=2, open_assigned=2)
    other = agent("b", skills=("shipping",))
    decision = choose_agent(ticket("billing"), [full, other])
    assert decision is not None and decision.agent_id == "b"
    assert "nobody has skill 'billing'" in decision.reason


# branches -------------------------------------------------------------------------------------

def test_branch_restricted_agents_only_get_their_branches():
    north = agent("a", branches=("north",))
    south = agent("b", branches=("south",), open_assigned=5)
    assert chosen(ticket(branch="south"), north, south) == "b"
    assert chosen(ticket(branch="east"), north, south) is None


def test_agents_without_branches_see_all_and_tickets_without_branch_go_to_anyone():
    everywhere = agent("a", branches=(), open_assigned=4)
    north = agent("b", branches=("north",), open_assigned=1)
    assert chosen(ticket(branch="west"), everywhere, north) == "a"
    assert chosen(ticket(branch=None), everywhere, north) == "b"


# capacity and load ----------------------------------------------------------------------------

def test_full_agents_are_skipped():
    full = agent("a", capacity=3, open_assigned=3)
    over = agent("b", capacity=3, open_assigned=4)
    room = agent("c", capacity=3, open_assigned=2)
    assert chosen(ticket(), full, over, room) == "c"
    assert chosen(ticket(), full, over) is None


def test_capacity_zero_takes_no_tickets():
    assert chosen(ticket(), agent("a", capacity=0, open_assigned=0)) is None


def test_the_least_loaded_agent_wins():
    assert chosen(ticket(), agent("a", open_assigned=4), agent("b", open_assigned=2),
                  agent("c", open_assigned=3)) == "b"


def test_equal_open_tickets_go_to_the_emptier_agent_by_ratio():
    small = agent("a", capacity=4, open_assigned=2, last_assigned_at=None)
    large = agent("b", capacity=10, open_assigned=2, last_assigned_at=T0)
    assert chosen(ticket(), small, large) == "b"


def test_open_count_comes_before_ratio():
    tiny = agent("a", capacity=2, open_assigned=1)  # 1/2
    big = agent("b", capacity=100, open_assigned=2)  # 2/100
    assert chosen(ticket(), tiny, big) == "a"


# round robin ----------------------------------------------------------------------------------

def test_equals_take_turns_idle_longest_first():
    ann = agent("ann", last_assigned_at=T0 + timedelta(hours=1))
    bob = agent("bob", last_assigned_at=T0)
    assert chosen(ticket(), ann, bob) == "bob"
    bob = assigned(bob, T0 + timedelta(hours=2))
    assert chosen(ticket(), ann, bob) == "ann"
    ann = assigned(ann, T0 + timedelta(hours=3))
    assert chosen(ticket(), ann, bob) == "bob"


def test_never_assigned_counts_as_idle_longest():
    veteran = agent("a", last_assigned_at=datetime(2000, 1, 1, tzinfo=UTC))
    newcomer = agent("z", last_assigned_at=None)
    assert chosen(ticket(), veteran, newcomer) == "z"


def test_agent_id_breaks_full_ties_whatever_the_order():
    a, b = agent("a"), agent("b")
    assert chosen(ticket(), a, b) == chosen(ticket(), b, a) == "a"


def test_a_round_of_tickets_spreads_evenly():
    pool = {c.agent_id: c for c in (agent("a", last_assigned_at=None), agent("b"),
                                     agent("c"))}
    picks = []
    for n in range(9):
        picked = chosen(ticket(number=f"T-{n}"), *pool.values())
        assert picked is not None
        picks.append(picked)
        pool[picked] = assigned(pool[picked], T0 + timedelta(minutes=n + 1))
    assert picks[:3] == ["a", "b", "c"]
    assert picks == picks[:3] * 3


# urgency --------------------------------------------------------------------------------------

def test_urgent_tickets_go_to_escalation_agents_even_when_busier():
    plain = agent("a", open_assigned=0)
    escalation = agent("b", open_assigned=6, escalation=True)
    decision = choose_agent(ticket(priority=Priority.URGENT), [plain, escalation])
    assert decision is not None and decision.agent_id == "b"
    assert "urgent ticket to an escalation agent" in decision.reason
    assert chosen(ticket(priority=Priority.HIGH), plain, escalation) == "a"


def test_urgent_tickets_fall_back_when_no_escalation_agent_is_eligible():
    plain = agent("a", open_assigned=1)
    full = agent("b", escalation=True, capacity=2, open_assigned=2)
    away = agent("c", escalation=True, active=False)
    decision = choose_agent(ticket(priority=Priority.URGENT), [plain, full, away])
    assert decision is not None and decision.agent_id == "a"
    assert "no eligible escalation agent" in decision.reason


def test_skill_comes_before_escalation():
    skilled = agent("a", skills=("billing",))
    escalation = agent("b", skills=("shipping",), escalation=True)
    assert chosen(ticket("billing", Priority.URGENT), skilled, escalation) == "a"


# who never gets tickets -----------------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.ANALYST, Role.AUDITOR])
def test_analysts_and_auditors_never_get_tickets(role):
    assert chosen(ticket(), agent("a", role=role, escalation=True)) is None
    assert chosen(ticket(), agent("a", role=role), agent("b", open_assigned=9)) == "b"


def test_admins_take_tickets():
    assert chosen(ticket(), agent("a", role=Role.ADMIN)) == "a"


def test_inactive_agents_never_get_tickets():
    assert chosen(ticket(), agent("a", active=False)) is None
    assert chosen(ticket(), agent("a", active=False), agent("b", open_assigned=9)) == "b"


def test_nobody_eligible_leaves_the_ticket_unassigned():
    assert choose_agent(ticket(), []) is None
    assert chosen(ticket(branch="north"), agent("a", active=False),
                  agent("b", branches=("south",)), agent("c", capacity=1, open_assigned=1),
                  agent("d", role=Role.AUDITOR)) is None


# the reason -----------------------------------------------------------------------------------

def test_reason_names_the_agent_skill_branch_load_and_idle_time():
    ann = agent("a", name="Ann Agent", branches=("north",), open_assigned=2, capacity=10,
                escalation=True, last_assigned_at=T0)
    decision = choose_agent(ticket("billing", Priority.URGENT, "north"), [ann])
    assert decision == RoutingDecision(
        "a", "routed to Ann Agent: skill 'billing', branch 'north', load 2/10, "
             "idle since 2026-03-02 09:00 UTC; urgent ticket to an escalation agent")


def test_reason_without_branch_or_previous_assignment():
    decision = choose_agent(ticket("billing"), [agent("a", name="Bob", last_assigned_at=None)])
    assert decision is not None
    assert decision.reason == "routed to Bob: skill 'billing', no branch, load 0/10, " \
                              "never assigned"


def test_reason_shows_idle_time_in_utc():
    local = datetime(2026, 3, 2, 12, 30, tzinfo=ZoneInfo("Europe/Berlin"))  # CET, UTC+1
    decision = choose_agent(ticket(), [agent("a", last_assigned_at=local)])
    assert decision is not None and "idle since 2026-03-02 11:30 UTC" in decision.reason


# waiting order --------------------------------------------------------------------------------

def test_waiting_tickets_urgent_first_then_oldest():
    waiting = [
        ("old-low", Priority.LOW, T0),
        ("new-urgent", Priority.URGENT, T0 + timedelta(hours=2)),
        ("new-high", Priority.HIGH, T0 + timedelta(hours=1)),
        ("old-urgent", Priority.URGENT, T0 + timedelta(minutes=5)),
    ]
    ordered = sorted(waiting, key=lambda w: waiting_order(w[1], w[2]))
    assert [w[0] for w in ordered] == ["old-urgent", "new-urgent", "old-low", "new-high"]


# properties -----------------------------------------------------------------------------------

SKILLS = ("billing", "shipping", "returns")
BRANCHES = ("north", "south")

candidates = st.builds(
    Candidate,
    agent_id=st.sampled_from("abcdefgh"),
    name=st.sampled_from(["Ann", "Bob", "Cy"]),
    role=st.sampled_from(list(Role)),
    active=st.booleans(),
    skills=st.lists(st.sampled_from(SKILLS), unique=True).map(tuple),
    branches=st.lists(st.sampled_from(BRANCHES), unique=True).map(tuple),
    capacity=st.integers(0, 5),
    open_assigned=st.integers(0, 6),
    escalation=st.booleans(),
    last_assigned_at=st.none() | st.integers(0, 100).map(lambda m: T0 + timedelta(minutes=m)),
)
tickets = st.builds(
    TicketToRoute,
    number=st.just("T-1"),
    category=st.sampled_from(SKILLS),
    priority=st.sampled_from(list(Priority)),
    branch=st.none() | st.sampled_from((*BRANCHES, "east")),
)


def eligible(c: Candidate, t: TicketToRoute) -> bool:
    """The rule, restated independently of the implementation."""
    sees_branch = t.branch is None or not c.branches or t.branch in c.branches
    return (c.active and c.role in (Role.AGENT, Role.ADMIN) and c.open_assigned < c.capacity
            and sees_branch)


@given(tickets, st.lists(candidates, max_size=8, unique_by=lambda c: c.agent_id))
def test_the_chosen_agent_is_eligible_and_no_skilled_agent_is_less_loaded(t, pool):
    decision = choose_agent(t, pool)
    able = [c for c in pool if eligible(c, t)]
    if not able:
        assert decision is None
        return
    assert decision is not None
    winner = next(c for c in pool if c.agent_id == decision.agent_id)
    assert eligible(winner, t)
    skilled = [c for c in able if t.category in c.skills]
    if skilled:
        assert t.category in winner.skills
        # urgent tickets may pass a less loaded agent over for an escalation agent
        rivals = skilled
        if t.priority is Priority.URGENT and any(c.escalation for c in skilled):
            assert winner.escalation
            rivals = [c for c in skilled if c.escalation]
        assert not any(c.open_assigned < winner.open_assigned for c in rivals)
    else:
        assert f"nobody has skill '{t.category}'" in decision.reason
    assert decision.reason.startswith(f"routed to {winner.name}: ")
    assert f"load {winner.open_assigned}/{winner.capacity}" in decision.reason


@given(tickets, st.lists(candidates, max_size=8, unique_by=lambda c: c.agent_id),
       st.randoms(use_true_random=False))
def test_the_choice_does_not_depend_on_the_order_of_candidates(t, pool, rnd):
    shuffled = list(pool)
    rnd.shuffle(shuffled)
    assert choose_agent(t, pool) == choose_agent(t, shuffled)
