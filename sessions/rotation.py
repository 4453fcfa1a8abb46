"""Who moderates each session date: the record first, then swaps and substitutes, then a fair pick.

Every session date is one member's turn (its owner) and someone moderates it (usually
the owner). The record decides where it can: a recorded day's moderator took the turn,
unless a swap or substitute (a ModeratorAssignment) says whose turn they covered. Every
other date goes to the participant whose last turn lies furthest back: a queue, so that
between two turns of anyone every other participant has one, and over any stretch of
dates the participants' turn counts differ by at most one. Ties, as on a new team's
first day, follow the chosen order (name order or custom order).

- A new member joins the back of the queue: their place is the day they joined, and a
  member coming back (reactivated, or an observer made a member) the day they came
  back (Membership.rotation_since), so nobody catches up on turns they were not there for.
- Nobody moderates two session dates in a row while there are two participants: the
  pick passes over the previous date's moderator and the next date's fixed one.
- A swap or a substitute keeps the turn with its owner, so nobody else's date moves.
  A fixed turn (a swap, a substitute, a recorded day) that is coming up for someone
  within a round stands for their turn: the queue does not give them one just before.

Because a date's pick depends only on the dates before it and on fixed turns just after
it, any part of the schedule is the same whatever range is asked for.
"""

import datetime
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .models import Day, Membership, ModeratorAssignment, Team

NEVER = datetime.date.min


def name_key(name: str) -> str:
    """Sort key for 가나다 order of display names.

    Precomposed Hangul syllables are encoded in dictionary order, so code-point order
    is 가나다 order once a name is NFC-normalised (some keyboards send decomposed
    jamo); casefold keeps Latin names in one case-blind order.
    """
    return unicodedata.normalize("NFC", name).casefold()


def tie_key(team: Team) -> Callable[[Membership], tuple]:
    """The team's chosen order: name order, or custom order (then name order)."""
    if team.rotation == Team.Rotation.CUSTOM:
        return lambda m: (m.rotation_order, name_key(m.display_name), m.pk)
    return lambda m: (name_key(m.display_name), m.pk)


@dataclass(frozen=True)
class Turn:
    owner: Membership | None
    moderator: Membership | None
    source: str  # "recorded", "assigned", "rotation", ""


def plan(
    team: Team,
    dates: Sequence[datetime.date],
    *,
    members: list[Membership],
    participants: dict[int, Membership],
    days: dict[datetime.date, Day],
    assignments: dict[datetime.date, ModeratorAssignment],
    first_date: datetime.date | None,
) -> list[Turn]:
    """The turn of each session date in `dates` (every session date from the first on, in
    order). `members` is the queue (empty when the rotation is manual), `participants`
    every member who may moderate, by id; `days` and `assignments` are by date."""
    fixed = [_fixed(date, days, assignments, participants) for date in dates]
    last: dict[int, datetime.date] = {}
    joined = {m.pk: _joined(m, first_date, team) for m in members}
    joined = {pk: since for pk, since in joined.items() if since is not None}
    order = {m.pk: index for index, m in enumerate(sorted(members, key=tie_key(team)))}
    window = max(len(members) - 1, 0)  # the dates within one round after a date
    turns: list[Turn] = []
    previous: Membership | None = None
    # Who stood in for whom: a member passed over for a neighbour's turn keeps their
    # place, so their next turn and the stand-in's
    # exchange places in the queue and everyone after them keeps their dates.
    stood_in: dict[int, tuple[int, datetime.date]] = {}
    # The most recent turn before a member joined or came back: their place in the queue.
    entered: dict[int, datetime.date] = {}
    for index, date in enumerate(dates):
        for pk, (since, _came_back) in joined.items():
            if date >= since and pk not in entered:
                entered[pk] = max(last.values(), default=NEVER)
        known = fixed[index]
        if known is not None and known.owner is not None:
            turn = known
        else:
            upcoming = fixed[index + 1 : index + 1 + window]
            following = upcoming[0].moderator if upcoming and upcoming[0] else None
            queue = sorted(
                members, key=lambda m: (*_place(m.pk, last, joined, entered), order[m.pk])
            )
            owner = _pick(
                queue,
                avoid=[previous, following],
                # (A member passed over a moment ago is owed that turn, not reserved.)
                reserved={f.owner.pk for f in upcoming if f is not None and f.owner is not None}
                - stood_in.keys(),
            )
            if owner is not None and owner != queue[0] and queue[0] in (previous, following):
                stood_in.setdefault(queue[0].pk, (owner.pk, date))
            if known is not None:  # a substitute for a turn whose owner has left
                turn = Turn(owner, known.moderator, known.source)
            else:
                turn = Turn(owner, owner, "rotation" if owner else "")
        if turn.owner is not None:
            last[turn.owner.pk] = date
            if turn.owner.pk in stood_in:
                other, then = stood_in.pop(turn.owner.pk)
                if last.get(other) == then:
                    last[turn.owner.pk], last[other] = then, date
        previous = turn.moderator
        turns.append(turn)
    return turns


def _joined(
    member: Membership, first_date: datetime.date | None, team: Team
) -> tuple[datetime.date, bool] | None:
    """When the member came into the queue, and whether they came back (rather than
    joined); None for a founding member, one who joined by the team's first session
    date or the day the team was made in Studylog (perhaps with its first day behind it)."""
    if member.rotation_since is not None:
        return member.rotation_since, True
    joined = member.joined_at.astimezone(team.tz).date()
    founded = team.created_at.astimezone(team.tz).date()
    if first_date is None or joined <= max(first_date, founded):
        return None
    return joined, False


def _place(pk: int, last: dict, joined: dict, entered: dict) -> tuple[datetime.date, int]:
    """The member's place in the queue: the date of their last turn; or, for someone who
    joined and has had no turn yet or who came back, just behind whoever had the last
    turn before then, so they take their first turn within the round under way and
    nobody catches up on turns missed. (Before joining, the queue may place a member on
    unrecorded dates as if they had always been there; such a member keeps that place.)"""
    turn = last.get(pk, NEVER)
    if pk not in entered:
        return turn, 0
    came_back = joined[pk][1]
    if (came_back or turn == NEVER) and entered[pk] >= turn:
        return entered[pk], 1
    return turn, 0


def _fixed(date, days, assignments, participants) -> Turn | None:
    """The date's turn as the record, a swap or a substitute fixes it, if they do."""
    day = days.get(date)
    assignment = assignments.get(date)
    if day is not None and day.moderator_id:
        moderator = day.moderator
        if assignment is not None and assignment.member_id == moderator.pk:
            # The turn covered stays its owner's, whether or not they are still here; an
            # assignment from before owners were kept has none, and the queue decides.
            return Turn(assignment.owner if assignment.owner_id else None, moderator, "recorded")
        return Turn(moderator, moderator, "recorded")
    if assignment is not None and assignment.member_id in participants:
        owner = participants.get(assignment.owner_id)
        return Turn(owner, assignment.member, "assigned")
    return None


def _pick(queue, *, avoid, reserved) -> Membership | None:
    """The member first in the queue, passing over `avoid` (back-to-back moderators)
    and `reserved` (a fixed turn is coming up) while anyone else is left."""
    avoided = {m.pk for m in avoid if m is not None}
    for excluded in (avoided | reserved, avoided, {m.pk for m in avoid[:1] if m is not None}):
        for member in queue:
            if member.pk not in excluded:
                return member
    return queue[0] if queue else None
