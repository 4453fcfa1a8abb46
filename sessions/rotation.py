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
- A swap or a substitute keeps the turn with its owner, so the order of turns is the
  queue's. When it puts someone next to their own turn, whoever it freed (the owner of
  the swapped or substituted date) covers that turn, which stays its owner's: nobody
  moderates two session dates in a row while anyone else is free (schedule.py refuses a
  change that would leave someone two days running).
- A fixed turn (a swap, a substitute, a recorded day) that is coming up for someone
  within a round stands for their turn: the queue does not give them one just before.
  (This matters only once the queue has changed since the swap was made.)

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
    previous: Turn | None = None
    # The most recent turn before a member joined or came back: their place in the queue.
    entered: dict[int, datetime.date] = {}
    for index, date in enumerate(dates):
        for pk, (since, _came_back) in joined.items():
            if date >= since and pk not in entered:
                entered[pk] = max(last.values(), default=NEVER)
        known = fixed[index]
        upcoming = fixed[index + 1 : index + 1 + window]
        following = upcoming[0] if upcoming else None
        if known is not None and known.owner == known.moderator:  # a recorded day
            turn = _recorded(known, previous, following)
        elif known is not None and known.owner is not None:  # a swap or a substitute
            turn = known
        else:
            queue = sorted(
                (m for m in members if not _joins_later(m.pk, date, joined)),
                key=lambda m: (*_place(m.pk, last, joined, entered), order[m.pk]),
            )
            owner = _pick(
                queue,
                avoid=[previous.owner if previous else None],
                reserved={f.owner.pk for f in upcoming if f is not None and f.owner is not None},
            )
            turn = _covered(owner, queue, previous, following)
            if known is not None:  # a substitute for a turn whose owner has left
                turn = Turn(owner, known.moderator, known.source)
        if turn.owner is not None:
            last[turn.owner.pk] = date
        previous = turn
        turns.append(turn)
    return turns


def _recorded(known: Turn, previous: Turn | None, following: Turn | None) -> Turn:
    """A recorded day's turn: whoever moderated took it, unless they covered for the
    moderator of a date next to it, who had taken their turn there (see _covered)."""
    for neighbour in (previous, following):
        if neighbour is not None and neighbour.moderator not in (None, neighbour.owner):
            if neighbour.owner == known.moderator:
                return Turn(neighbour.moderator, known.moderator, known.source)
    return known


def _covered(
    owner: Membership | None, queue: list[Membership], previous: Turn | None, following
) -> Turn:
    """The queue's turn for a date: its owner moderates it, unless they moderate a date
    next to it (a swap or a substitute put them there). Then someone else covers it and
    the turn stays the owner's, so the order of turns, and everyone's count, is as the
    queue has it. The cover is whoever that swap or substitute freed (the owner of the
    date next to it), or else the member longest from their next turn."""
    if owner is None:
        return Turn(None, None, "")
    neighbours = [t.moderator for t in (previous, following) if t is not None]
    if owner not in neighbours:
        return Turn(owner, owner, "rotation")
    freed = [t.owner for t in (following, previous) if t is not None and t.moderator == owner]
    for cover in [*freed, *reversed(queue)]:
        if cover is not None and cover != owner and cover not in neighbours:
            return Turn(owner, cover, "rotation")
    return Turn(owner, owner, "rotation")  # two members: nobody else is free


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


def _joins_later(pk: int, date: datetime.date, joined: dict) -> bool:
    """A new member is not in the queue before the day they joined (one coming back was
    in it before they left)."""
    since, came_back = joined.get(pk, (NEVER, True))
    return not came_back and date < since


def _place(pk: int, last: dict, joined: dict, entered: dict) -> tuple[datetime.date, int]:
    """The member's place in the queue: the date of their last turn; or, for someone who
    joined and has had no turn yet or who came back, just behind whoever had the last
    turn before then, so they take their first turn within the round under way and
    nobody catches up on turns missed. (A member who came back keeps the turns the
    queue gave them before they left.)"""
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
