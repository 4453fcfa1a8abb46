"""The database side of search: which documents hold the words, on PostgreSQL or SQLite."""

import contextlib
import datetime
import re

from django.db import connection, models, transaction
from django.db.models import Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Length, Replace

from ..korean import Word
from ..models import AssignmentReview, MemberLog, Membership, Question, SearchDoc
from ..search_index import stem_lexeme
from .criteria import ITEM_KINDS, Filters, analyzed, plain_tag


def _tsquery(folded: str, key: str) -> str:
    """The document pieces that a word needs: each of its two-character pieces (one of
    them for a two-character word), or for one character, any piece that starts with it;
    each under `key`, the team and scope searched."""
    if len(folded) == 1:
        return _lexeme(key + folded) + ":*"
    pieces = dict.fromkeys(folded[i : i + 2] for i in range(len(folded) - 1))
    return " & ".join(_lexeme(key + piece) for piece in pieces)


def _stems_tsquery(stems, key: str) -> str:
    return " & ".join(_lexeme(stem_lexeme(key, stem)) for stem in stems)


def _lexeme(piece: str) -> str:
    return "'" + piece.replace("\\", "\\\\").replace("'", "''") + "'"


def _substring_sql(folded: str, table: str, key: str) -> tuple[str, list[str]]:
    """PostgreSQL's test that a document of `table` holds `folded` as a substring.

    The full-text index of the documents' two-character pieces finds the documents that
    have all of the word's pieces. For a word of one or two characters that is exact;
    a longer one is then confirmed to be there in one piece by strpos(). The index
    answers exactly (no recheck), so the team and scope tests run before strpos() reads
    any text: only this team's documents of this scope are ever read.
    """
    sql, params = f"{table}.grams @@ %s::tsquery", [_tsquery(folded, key)]
    if len(folded) > 2:
        sql, params = f"{sql} AND strpos({table}.text, %s) > 0", [*params, folded]
    return sql, params


def _word_sql(word: Word, table: str, key: str) -> tuple[str, list[str]]:
    """PostgreSQL's test that a document of `table` holds `word` (korean.Word): each of
    its needles as a substring, and, for a word with stems, either the word as typed or
    every stem among the document's (stem lexemes in the same full-text index)."""
    clauses, params = [], []
    for needle in word.needles:
        sql, needle_params = _substring_sql(needle, table, key)
        clauses.append(sql)
        params += needle_params
    if word.stems:
        stems = _stems_tsquery(word.stems, key)
        either = f"(strpos({table}.text, %s) > 0 OR {table}.grams @@ %s::tsquery)"
        if not word.needles:
            # Nothing else for the index to look up: it finds the word's pieces or stems.
            clauses.append(f"{table}.grams @@ %s::tsquery")
            params.append(f"({_tsquery(word.text, key)}) | ({stems})")
        clauses.append(either)
        params += [word.text, stems]
    return " AND ".join(clauses), params


def _word_q(word: Word) -> Q:
    """SQLite's test of one word (korean.Word), with LIKE: see _word_sql."""
    q = Q()
    for needle in word.needles:
        q &= Q(text__contains=needle)
    if word.stems:
        stems = Q()
        for stem in word.stems:
            stems &= Q(stems__contains=f" {stem} ")
        q &= Q(text__contains=word.text) | stems
    return q


def _has_words(terms, key: str) -> Q:
    """Documents that hold every word (`key`: the team and scope searched)."""
    q = Q()
    for word in analyzed(terms):
        if connection.vendor == "postgresql":
            sql, params = _word_sql(word, f'"{SearchDoc._meta.db_table}"', key)
            q &= Q(RawSQL(sql, params, output_field=models.BooleanField()))
        else:
            q &= _word_q(word)
    return q


def _tag_regex(tag: str) -> str:
    # Tags are stored comma-separated ("파이썬, 자료구조"): match one whole tag, typed
    # with or without the `#` it is shown with.
    return r"(^|,)\s*#?" + re.escape(plain_tag(tag)) + r"\s*(,|$)"


def scoped_docs(team, membership: Membership, filters: Filters) -> models.QuerySet:
    """The team's documents of the filters' scope that the requester may read, one per
    day at most, narrowed by the filters but not yet by the words."""
    scope = filters.scope
    mine = SearchDoc.objects.filter(team=team, scope=scope, owner=membership)
    docs = SearchDoc.objects.filter(team=team, scope=scope)
    # A member with a private retrospective that day has their own, fuller, document.
    docs = docs.filter(
        Q(owner=membership) | Q(owner__isnull=True) & ~Q(day_id__in=mine.values("day_id"))
    )
    if filters.date_from:
        docs = docs.filter(date__gte=filters.date_from)
    if filters.date_to:
        docs = docs.filter(date__lte=filters.date_to)
    if filters.tag:
        docs = docs.filter(day__tags__iregex=_tag_regex(filters.tag))
    if filters.member is not None:
        m = filters.member
        docs = docs.filter(
            Q(day__moderator=m)
            | Q(day_id__in=Question.objects.filter(asked_by=m).values("day_id"))
            | Q(day_id__in=AssignmentReview.objects.filter(presenters=m).values("day_id"))
        )
    return docs


def first_matches(docs, key: str, terms, limit: int) -> list[tuple[int, int, datetime.date]]:
    """(pk, day id, date) of at most `limit` matching documents, in no order.

    On PostgreSQL this is asked of the words' indexes only. Left to itself, the planner
    may read the (team, scope, date) index in order instead, which for a rare word means
    checking every document of the team; _planner keeps it to bitmap scans for this one
    statement, which stop as soon as enough rows have matched.
    """
    rows = docs.filter(_has_words(terms, key)).values_list("pk", "day_id", "date")
    rows = rows[:limit]
    if connection.vendor != "postgresql":
        return list(rows)
    with _planner("enable_indexscan = off", "enable_seqscan = off"):
        return list(rows)


@contextlib.contextmanager
def _planner(*settings: str):
    """A cursor whose statements run with these planner settings, which end with the block.

    SET LOCAL lasts until the end of the transaction, not of a savepoint: a block that
    only released its savepoint would leave them on for everything else the caller's
    transaction runs (a request or a command inside atomic(), every test), with index
    or sequential scans and sorts off. So the block is rolled back, which takes them
    back; it only reads.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("; ".join(f"SET LOCAL {setting}" for setting in settings))
        yield cursor
        transaction.set_rollback(True)


def _counted(terms) -> list[str]:
    """What the relevance score counts of each word: its needles, or the word as typed."""
    return [needle for word in analyzed(terms) for needle in word.needles or (word.text,)]


def occurrences(terms) -> models.Expression:
    """How often the words occur in a document, all together: the relevance score."""
    total = Value(0)
    for folded in _counted(terms):
        total += (Length("text") - Length(Replace("text", Value(folded), Value("")))) / len(folded)
    return total


def newest(docs, key: str, terms, offset, limit, *, scored=False, within=None) -> list[tuple]:
    """(day id, score) of matching documents (of `docs`, the scoped documents), newest
    first, reading them in date order and stopping as soon as `limit` after `offset`
    have matched, or (`within`) after reading that many documents. On PostgreSQL."""
    docs = docs.order_by("-date")
    if connection.vendor != "postgresql":
        docs = docs.filter(_has_words(terms, ""))
        if scored:
            rows = docs.annotate(score=occurrences(terms)).values_list("day_id", "score")
        else:
            rows = docs.annotate(score=Value(0)).values_list("day_id", "score")
        return list(rows[offset : offset + limit])
    inner, inner_params = docs.values("day_id", "date", "text", "grams").query.sql_with_params()
    # LIMIT (or OFFSET 0) keeps the subquery in date order as written: the planner can't
    # fold the words into it and go through their index instead.
    window, window_params = ("LIMIT %s", [within]) if within else ("OFFSET 0", [])
    where, params = [], []
    for word in analyzed(terms):
        sql, word_params = _word_sql(word, "d", key)
        where.append(sql)
        params.extend(word_params)
    score, score_params = "0", []
    if scored:
        pieces = []
        for folded in _counted(terms):
            pieces.append("(length(d.text) - length(replace(d.text, %s, ''))) / length(%s)")
            score_params.extend([folded, folded])
        score = " + ".join(pieces)
    sql = (
        f"SELECT d.day_id, {score} FROM ({inner} {window}) d "
        f"WHERE {' AND '.join(where) or 'TRUE'} ORDER BY d.date DESC LIMIT %s OFFSET %s"
    )
    # Only the (team, scope, date) index in order. The planner multiplies the odds of a
    # word's pieces as if they were independent, so for a long word ("softmax": six
    # pieces) it expects almost no match and would rather read and sort every document
    # of the team (50 ms at 10,000 days) than walk the index and stop at the page (1 ms).
    # It is asked here for a bounded number of documents, or when the words are common.
    with _planner("enable_seqscan = off", "enable_bitmapscan = off", "enable_sort = off") as cursor:
        cursor.execute(sql, [*score_params, *inner_params, *window_params, *params, limit, offset])
        return cursor.fetchall()


def item_rows(kinds, membership: Membership, filters: Filters, day_ids) -> list[tuple]:
    """(kind, day id, who, position, text, text, text) of every item of these kinds on
    these days, in no order: one query, a UNION of each kind's."""
    parts = [_item_sql(kind, membership, filters, day_ids) for kind in kinds]
    with connection.cursor() as cursor:
        cursor.execute(
            " UNION ALL ".join(sql for sql, _params in parts),
            [param for _sql, params in parts for param in params],
        )
        return cursor.fetchall()


def _item_sql(kind, membership, filters, day_ids) -> tuple[str, list]:
    """SQL for (kind, day id, who, position, text, text, text) of one kind's items on
    these days: the same columns for every kind, so that one UNION fetches them all.

    Which of them hold the words is for the results to say (results._hit): a page's ten
    days hold a few hundred items, and Python's regex over them is faster than the
    database's case-insensitive LIKE. Written as SQL because building six ORM querysets
    for one UNION costs more than running it.
    """
    model, fields = ITEM_KINDS[kind]
    table = model._meta.db_table
    texts = [f"{table}.{f}" for f in fields] + ["''"] * (3 - len(fields))
    where, params = [f"{table}.day_id IN ({', '.join(['%s'] * len(day_ids))})"], [*day_ids]
    who, position, join = "''", f"{table}.position", ""
    if kind == "retrospective":
        members = Membership._meta.db_table
        who, position = f"{members}.display_name", "0"
        join = f" JOIN {members} ON {members}.id = {table}.member_id"
        where.append(f"({table}.visibility = %s OR {table}.member_id = %s)")
        params += [MemberLog.Visibility.TEAM, membership.pk]
    if kind == "comment":  # by its author (gone: no name), only those the team reads
        members = Membership._meta.db_table
        who, position = f"COALESCE({members}.display_name, '')", f"{table}.id"
        join = f" LEFT JOIN {members} ON {members}.id = {table}.author_id"
        where.append(f"{table}.deleted_at IS NULL AND NOT {table}.hidden")
    if filters.follow_up and kind in ("question", "action"):
        where.append(f"{table}.resolved_at IS NULL")
        if kind == "question":
            where.append(f"{table}.needs_follow_up")
    sql = (
        f"SELECT %s, {table}.day_id, {who}, {position}, {', '.join(texts)} "
        f"FROM {table}{join} WHERE {' AND '.join(where)}"
    )
    return sql, [kind, *params]
