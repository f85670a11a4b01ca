"""The state store's staff tables: users, sessions, requester tokens, record views, reviews.

`StaffStore` is a mixin of `StateStore` (which owns the database and the clock); the
rules (who may do what, when a review step is in order) live in `service/`, the store
keeps the facts and makes each change atomic. A review step is written only if the item
is still as the service saw it (`expected_seq`, the latest step's number), so two people
acting at once cannot both succeed. Messages: user names, batch ids, row numbers only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select, update

from disclosure_gateway.adapters.storage import state_rows as rows
from disclosure_gateway.adapters.storage.state_engine import Database, violation
from disclosure_gateway.adapters.storage.state_tables import (
    DECISION_COLUMNS,
    agencies,
    api_tokens,
    batches,
    decisions,
    hold_events,
    record_views,
    review_actions,
    sessions,
    users,
)
from disclosure_gateway.domain.errors import (
    BadInput,
    BatchRefused,
    NotFound,
    ReviewRefused,
    StoreError,
)
from disclosure_gateway.domain.model import AccountingDraft, Decision, DecisionRecord

REVIEW = Decision.REVIEW.value  # the decision log stores the enum value
_DECISION = [decisions.c[name] for name in DECISION_COLUMNS]
_ACTION = list(review_actions.c)  # in ReviewAction's field order
_VIEW = list(record_views.c)  # in RecordView's field order


@dataclass(frozen=True, slots=True)
class UserRow:
    username: str
    password_hash: str
    roles: tuple[str, ...]
    disabled: bool


@dataclass(frozen=True, slots=True)
class TokenRow:
    token_id: str
    secret_sha256: str
    agency: str
    label: str
    created_at: str
    revoked_at: str | None


@dataclass(frozen=True, slots=True)
class SessionRow:
    username: str
    csrf_token: str
    created_at: str
    expires_at: str


@dataclass(frozen=True, slots=True)
class RecordView:
    """One logged view of a taxpayer's record by staff: who, when, which record, why."""

    seq: int
    viewer: str
    at: str
    batch_id: str
    request_id: str
    tin: str | None
    purpose: str


@dataclass(frozen=True, slots=True)
class ReviewAction:
    """One step of a review: PROPOSE (with its proposal), APPROVE or SEND_BACK."""

    seq: int
    batch_id: str
    row_no: int
    action: str
    proposal: str  # "DISCLOSE", "NO_DISCLOSURE", or "" for APPROVE / SEND_BACK
    by: str
    reason: str
    at: str


@dataclass(frozen=True, slots=True)
class ReviewFacts:
    """A decision under (or after) review, its batch's agency, and every step so far."""

    record: DecisionRecord
    agency: str
    actions: tuple[ReviewAction, ...]

    @property
    def last_seq(self) -> int:
        return self.actions[-1].seq if self.actions else 0


class StaffStore:
    """The staff tables' SQL; mixed into `StateStore`, which sets `_db` and `_now`."""

    _db: Database
    _now: Callable[[], str]

    def clock(self) -> str:
        """The store's time now (ISO, UTC): the one clock every staff record is stamped by."""
        return self._now()

    # -- users ---------------------------------------------------------------------------
    def add_user(self, username: str, password_hash: str, roles: Sequence[str]) -> None:
        values = {
            "username": username,
            "password_hash": password_hash,
            "roles": " ".join(roles),
            "disabled": 0,
            "created_at": self._now(),
        }
        try:
            with self._db.write("add a user") as db:
                named = users.c.username == username
                if db.execute(select(users.c.username).where(named)).first() is not None:
                    raise BadInput(f"user {username} already exists")
                db.execute(insert(users).values(values))
        except StoreError as exc:
            if violation(exc.__cause__) == ("unique", "users"):
                raise BadInput(f"user {username} already exists") from exc
            raise

    def get_user(self, username: str) -> UserRow | None:
        u = users.c
        with self._db.read("read the users") as db:
            row = db.execute(
                select(u.username, u.password_hash, u.roles, u.disabled).where(
                    u.username == username
                )
            ).first()
        if row is None:
            return None
        return UserRow(row[0], row[1], tuple(row[2].split()), bool(row[3]))

    def set_password_hash(self, username: str, password_hash: str) -> None:
        self._update_user(username, password_hash=password_hash)

    def set_user_disabled(self, username: str, disabled: bool) -> None:
        self._update_user(username, disabled=int(disabled))
        if disabled:
            with self._db.write("end a user's sessions") as db:
                db.execute(delete(sessions).where(sessions.c.username == username))

    def _update_user(self, username: str, **values: object) -> None:
        with self._db.write("update a user") as db:
            done = db.execute(update(users).where(users.c.username == username).values(**values))
            if done.rowcount != 1:
                raise NotFound(f"no user {username}")

    # -- requester tokens ----------------------------------------------------------------
    def add_token(self, token_id: str, secret_sha256: str, agency: str, label: str) -> None:
        with self._db.write("create a token") as db:
            known = select(agencies.c.name).where(agencies.c.name == agency)
            if db.execute(known).first() is None:
                raise NotFound(f"agency {agency} is not registered")
            db.execute(
                insert(api_tokens).values(
                    token_id=token_id,
                    secret_sha256=secret_sha256,
                    agency=agency,
                    label=label,
                    created_at=self._now(),
                )
            )

    def get_token(self, token_id: str) -> TokenRow | None:
        t = api_tokens.c
        query = select(t.token_id, t.secret_sha256, t.agency, t.label, t.created_at, t.revoked_at)
        with self._db.read("read the tokens") as db:
            row = db.execute(query.where(t.token_id == token_id)).first()
        return None if row is None else TokenRow(*row)

    def revoke_token(self, token_id: str) -> None:
        """Revoke a token (a second revocation keeps the first time); NotFound if unknown."""
        t = api_tokens.c
        with self._db.write("revoke a token") as db:
            if db.execute(select(t.token_id).where(t.token_id == token_id)).first() is None:
                raise NotFound(f"no token {token_id}")
            db.execute(
                update(api_tokens)
                .where(t.token_id == token_id, t.revoked_at.is_(None))
                .values(revoked_at=self._now())
            )

    # -- sessions ------------------------------------------------------------------------
    def add_session(self, digest: str, username: str, csrf_token: str, expires_at: str) -> None:
        with self._db.write("start a session") as db:
            db.execute(
                insert(sessions).values(
                    session_sha256=digest,
                    username=username,
                    csrf_token=csrf_token,
                    created_at=self._now(),
                    expires_at=expires_at,
                )
            )

    def get_session(self, digest: str) -> SessionRow | None:
        s = sessions.c
        query = select(s.username, s.csrf_token, s.created_at, s.expires_at)
        with self._db.read("read a session") as db:
            row = db.execute(query.where(s.session_sha256 == digest)).first()
        return None if row is None else SessionRow(*row)

    def end_session(self, digest: str) -> None:
        with self._db.write("end a session") as db:
            db.execute(delete(sessions).where(sessions.c.session_sha256 == digest))

    # -- record views --------------------------------------------------------------------
    def add_view(
        self, viewer: str, batch_id: str, request_id: str, tin: str | None, purpose: str
    ) -> None:
        with self._db.write("log a record view") as db:
            db.execute(
                insert(record_views).values(
                    viewer=viewer,
                    at=self._now(),
                    batch_id=batch_id,
                    request_id=request_id,
                    tin=tin,
                    purpose=purpose,
                )
            )

    def views(self, viewer: str | None, tin: str | None, limit: int) -> list[RecordView]:
        """The logged views, newest first, optionally of one viewer and/or one TIN."""
        query = select(*_VIEW).order_by(record_views.c.seq.desc()).limit(limit)
        if viewer is not None:
            query = query.where(record_views.c.viewer == viewer)
        if tin is not None:
            query = query.where(record_views.c.tin == tin)
        with self._db.read("read the record views") as db:
            return [RecordView(*row) for row in db.execute(query)]

    # -- reviews -------------------------------------------------------------------------
    def review_facts(self, batch_id: str, row_no: int) -> ReviewFacts | None:
        """One decision with its agency and review steps; None when there is no such row."""
        d = decisions.c
        query = (
            select(*_DECISION, batches.c.agency)
            .join_from(decisions, batches, batches.c.batch_id == d.batch_id)
            .where(d.batch_id == batch_id, d.row_no == row_no)
        )
        with self._db.read("read a review item") as db:
            row = db.execute(query).first()
            if row is None:
                return None
            steps = db.execute(
                select(*_ACTION)
                .where(review_actions.c.batch_id == batch_id, review_actions.c.row_no == row_no)
                .order_by(review_actions.c.seq)
            )
            actions = tuple(ReviewAction(*step) for step in steps)
        return ReviewFacts(rows.decision_record(row[:-1]), str(row[-1]), actions)

    def review_items(self, settled_rules: Sequence[str]) -> list[ReviewFacts]:
        """Every REVIEW decision, and those settled on review under `settled_rules`."""
        d = decisions.c
        wanted = or_(d.decision == REVIEW, d.rule.in_(list(settled_rules)))
        query = (
            select(*_DECISION, batches.c.agency)
            .join_from(decisions, batches, batches.c.batch_id == d.batch_id)
            .where(wanted)
            .order_by(batches.c.submitted_at, d.batch_id, d.row_no)
        )
        steps_query = (
            select(*_ACTION)
            .join_from(
                review_actions,
                decisions,
                (d.batch_id == review_actions.c.batch_id) & (d.row_no == review_actions.c.row_no),
            )
            .where(wanted)
            .order_by(review_actions.c.seq)
        )
        with self._db.read("read the review queue", snapshot=True) as db:
            found = db.execute(query).all()
            steps: dict[tuple[str, int], list[ReviewAction]] = defaultdict(list)
            for step in db.execute(steps_query):
                steps[(step[1], step[2])].append(ReviewAction(*step))
        return [
            ReviewFacts(rows.decision_record(r[:-1]), str(r[-1]), tuple(steps[(r[0], r[1])]))
            for r in found
        ]

    def add_review_step(
        self,
        batch_id: str,
        row_no: int,
        expected_seq: int,
        action: str,
        proposal: str,
        by: str,
        reason: str,
        at: str,
    ) -> None:
        """Append a PROPOSE or SEND_BACK step if the item is still as the caller saw it."""
        with self._db.write(f"record a review step for batch {batch_id} row {row_no}") as db:
            _still_open(db, batch_id, row_no, expected_seq)
            step = _step(batch_id, row_no, action, proposal, by, reason, at)
            db.execute(insert(review_actions).values(step))

    def settle_review(
        self,
        settled: DecisionRecord,
        expected_seq: int,
        by: str,
        reason: str,
        at: str,
        draft: AccountingDraft | None,
    ) -> None:
        """One transaction: the APPROVE step, the decision settled, its accounting entry.

        With a disclosure, a legal hold or lapsed safeguards of the batch's agency found
        inside the transaction refuse it (BatchRefused) and nothing is written.
        """
        batch_id, row_no = settled.batch_id, settled.row_no
        rows.check_chunk(batch_id, [settled], [draft] if draft is not None else [])
        values = rows.decision_row(settled)
        for key in ("batch_id", "row_no", "request_id"):
            values.pop(key)
        with self._db.write(f"settle the review of batch {batch_id} row {row_no}") as db:
            _still_open(db, batch_id, row_no, expected_seq)
            if draft is not None:
                _clear_to_disclose(db, draft.agency, batch_id)
            d = decisions.c
            db.execute(
                update(decisions)
                .where(d.batch_id == batch_id, d.row_no == row_no, d.decision == REVIEW)
                .values(values)
            )
            step = _step(batch_id, row_no, "APPROVE", "", by, reason, at)
            db.execute(insert(review_actions).values(step))
            if draft is not None:
                rows.append_entries(db, [draft], at)


def _step(*values: object) -> dict[str, Any]:
    """A review_actions row from (batch_id, row_no, action, proposal, by, reason, at)."""
    names = ("batch_id", "row_no", "action", "proposal", "by_name", "reason", "at")
    return dict(zip(names, values, strict=True))


def _still_open(db: Connection, batch_id: str, row_no: int, expected_seq: int) -> None:
    """Lock the decision's row; ReviewRefused unless it is still REVIEW at step `expected_seq`."""
    d = decisions.c
    found = db.execute(
        select(d.decision).where(d.batch_id == batch_id, d.row_no == row_no).with_for_update()
    ).first()
    if found is None:
        raise NotFound(f"batch {batch_id} has no row {row_no}")
    if found[0] != REVIEW:
        raise ReviewRefused("ALREADY_DECIDED", f"batch {batch_id} row {row_no} is already decided")
    a = review_actions.c
    last = db.execute(
        select(func.max(a.seq)).where(a.batch_id == batch_id, a.row_no == row_no)
    ).scalar_one()
    if int(last or 0) != expected_seq:
        raise ReviewRefused(
            "CHANGED_MEANWHILE",
            f"batch {batch_id} row {row_no}: someone else acted on it meanwhile; look again",
        )


def _clear_to_disclose(db: Connection, agency: str, batch_id: str) -> None:
    h = hold_events.c
    last = db.execute(select(h.event).order_by(h.id.desc()).limit(1)).first()
    if last is not None and last[0] == "ON":
        raise BatchRefused(
            "LEGAL_HOLD", f"batch {batch_id}: a legal hold is in force; nothing disclosed"
        )
    current = db.execute(
        select(agencies.c.safeguards_current).where(agencies.c.name == agency)
    ).first()
    if current is None or not current[0]:
        raise BatchRefused(
            "SAFEGUARDS_NOT_CURRENT",
            f"batch {batch_id}: {agency}'s safeguard review is not current; nothing disclosed",
        )
