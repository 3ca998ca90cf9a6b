"""The predict use case behind both predict routes: tickets in, decisions out, stored once.

The model is called once per request for all its tickets (a batch is one vectorised call).
A single ticket is decided directly on the event loop: it takes well under a millisecond, and
moving it to a thread pool was measured to triple p99 latency under load (see README). A batch
of up to 1,000 long tickets takes seconds, so the batch route decodes and decides in a worker
thread (`decide_all`) and only stores and logs on the loop (`finish`).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import msgspec
import structlog

from classifier.decision import Decision, ModelOutput
from classifier.errors import ClassifierError
from classifier.levels import PriorityScale
from classifier.schema import Ticket
from serving.auth import Keyring
from serving.errors import WireError
from serving.idempotency import (
    AnswerCache,
    Claim,
    KeyedAnswer,
    Remembered,
    fingerprint,
    reuse_problem,
)
from serving.key_file import KeyFile
from serving.metrics import Metrics
from serving.model_store import LoadedModel, ModelStore
from serving.persistence import EncodedPrediction, NullSink, PredictionSink
from serving.reload_signal import ReloadSignal
from serving.rules_store import LoadedRules, RulesStore
from serving.schemas import DecisionOut, TicketIn, to_decision_out
from serving.settings import Settings

log = structlog.get_logger("serving.service")
_encode = msgspec.json.Encoder().encode

DecideFn = Callable[..., Decision]
# A stored answer under an idempotency key (the review store's, across workers), or None.
FindAnswer = Callable[[str], Awaitable[Remembered | None]]
# Stores a keyed prediction unless its key is taken (`serving.idempotency.store_claim`).
ClaimAnswer = Callable[[EncodedPrediction], Awaitable[Claim]]


def default_decide() -> DecideFn:
    """`classifier.decide.decide`, imported when the app is built."""
    from classifier.decide import decide

    return decide


def prediction_ids(count: int) -> list[str]:
    """`count` random version-7 UUIDs (RFC 9562) as 32 hex digits, like `uuid.UUID.hex`.

    Version 7 starts with the Unix time in milliseconds, so ids sort by creation time: the
    review store's primary-key index then grows at its end instead of at random pages, which
    halves the cost of storing a prediction once the table holds ~100k rows (measured on
    SQLite). The other 74 bits are random. One `os.urandom` call for the whole batch.
    """
    stamp = (time.time_ns() // 1_000_000).to_bytes(6, "big")
    raw = bytearray(os.urandom(16 * count))
    for start in range(0, 16 * count, 16):
        raw[start : start + 6] = stamp
        raw[start + 6] = (raw[start + 6] & 0x0F) | 0x70  # version 7
        raw[start + 8] = (raw[start + 8] & 0x3F) | 0x80  # RFC 9562 variant
    digits = raw.hex()
    return [digits[i : i + 32] for i in range(0, 32 * count, 32)]


def encode_prediction(
    out: DecisionOut,
    item: TicketIn,
    created_at: datetime,
    loaded: LoadedModel | None,
    decision_json: bytes | None = None,
    *,
    idempotency: tuple[str, str] | None = None,
) -> EncodedPrediction:
    """The stored form of one answered ticket: queue columns plus the JSON of both structs.

    Args:
        out: the Decision as answered.
        item: the ticket as received.
        created_at: when the service answered.
        loaded: the model that was asked, or None when serving rules only.
        decision_json: `out` already encoded (the response's bytes), if at hand.
        idempotency: the request's scoped idempotency key and fingerprint, if it sent a key.
    """
    sla = out.sla
    fired = out.rules_fired
    rule_ids = tuple(dict.fromkeys([f.rule_id for f in fired])) if fired else ()
    return EncodedPrediction(
        prediction_id=out.prediction_id,
        external_id=out.external_id,
        created_at=created_at,
        model_version=loaded.version if loaded else None,
        rules_sha256=out.rules_sha256,
        model_name=loaded.name if loaded else None,
        priority=out.priority,
        source=out.source,
        model_priority=out.model_priority or out.shadow_model_priority,
        confidence=out.confidence,
        language=item.language or None,
        first_response_due=sla.first_response_due if sla is not None else None,
        review_required=out.review_required,
        shadow=out.shadow_model_priority is not None,
        rule_ids=rule_ids,
        request_json=_encode(item),
        decision_json=_encode(out) if decision_json is None else decision_json,
        idempotency_key=idempotency[0] if idempotency else None,
        request_sha256=idempotency[1] if idempotency else None,
        answer_json=(_encode(out) if decision_json is None else decision_json)
        if idempotency
        else None,
    )


@dataclass(frozen=True, slots=True)
class Answered:
    """One ticket's decision and its JSON, encoded once: sent and stored as they are."""

    decision: DecisionOut
    json: bytes


@dataclass
class Answer:
    """The decisions for one request plus what produced them.

    Attributes:
        results: per ticket, its answered decision or the core's error, in request order.
        model / rules: what decided.
    """

    results: list[Answered | ClassifierError]
    model: LoadedModel | None
    rules: LoadedRules


@dataclass
class Decided:
    """`Runtime.decide_all`'s result, not yet stored or logged."""

    tickets: Sequence[Ticket]
    model: LoadedModel | None
    rules: LoadedRules
    results: list[Answered | ClassifierError] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    stored: list[tuple[DecisionOut, TicketIn, bytes]] = field(default_factory=list)
    idempotency: tuple[str, str] | None = None


def _levels_misfit(loaded: LoadedModel, scale: PriorityScale) -> str | None:
    model_levels = list(getattr(getattr(loaded.model, "scale", None), "levels", ()) or ())
    unknown = scale.unknown(model_levels)
    if not unknown:
        return None
    position = min(model_levels.index(unknown[0]), len(scale.levels) - 1)
    example = f"{unknown[0]}: {scale.levels[position]}"
    return (
        f"model {loaded.name} version {loaded.version} suggests levels {unknown} that the "
        f"rules file's levels {list(scale.levels)} do not know: answering from rules and the "
        f"default level. Map them under aliases: in the rules file (e.g. aliases: {{{example}}}) "
        "or serve a model trained on the rules' levels"
    )


@dataclass
class Runtime:
    """Everything a request needs; one per app, on `app.state.runtime`.

    Attributes:
        settings: the service settings.
        models / rules: the stores whose `current` is swapped atomically by reloads.
        metrics: the app's Prometheus metrics.
        keyring: the configured API keys.
        key_file: keeps `keyring` in step with `TP_API_KEYS_FILE` (None: keys from TP_API_KEYS).
        sink: where predictions are stored (the review store replaces the NullSink).
        decide: `classifier.decide.decide` (tests pass a fake).
        reload_signal: passes an admin reload on to the other workers (None: no others).
        find_answer: looks an idempotency key up in the review store (None: no store).
        claim_answer: stores a keyed prediction before it is answered, or finds the answer
            stored for its key first (None: no store; the sink stores keyed ones too).
        answers: this worker's recent idempotency keys and their answers.
    """

    settings: Settings
    models: ModelStore
    rules: RulesStore
    metrics: Metrics
    keyring: Keyring
    sink: PredictionSink = field(default_factory=NullSink)
    decide: DecideFn = field(default_factory=default_decide)
    reload_signal: ReloadSignal | None = None
    key_file: KeyFile | None = None
    find_answer: FindAnswer | None = None
    claim_answer: ClaimAnswer | None = None
    answers: AnswerCache = field(init=False, repr=False)
    _misfit_checked: tuple[LoadedModel, Any] | None = field(default=None, init=False, repr=False)
    _misfit: str | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        """Size the idempotency cache from the settings."""
        window = self.settings.idempotency
        self.answers = AnswerCache(window.cache_size, window.hours * 3600)

    def on_reload(self) -> None:
        """Point the model and rules info metrics at what is now served."""
        loaded = self.models.current
        if loaded is None:
            self.metrics.set_model(None, None, None)
        else:
            self.metrics.set_model(loaded.name, loaded.version, loaded.run_id)
        if self.rules.loaded:
            self.metrics.set_rules(self.rules.current.sha256)
        if loaded is not None and self.model_misfit(loaded) is not None:
            self.metrics.degraded.set(1)
        self.report_problems()

    def report_problems(self) -> None:
        """Point `tp_config_problem` at the rules file's, the registry's and the key file's
        state now.

        A rejected rules or key file or an unreadable registry changes nothing that is served,
        so `on_reload` is not called for them; the reload loops call this after every check.
        """
        self.metrics.set_config_problems(
            rules=self.rules.problem is not None,
            model=self.models.problem is not None,
            keys=self.keys_problem is not None,
        )

    @property
    def keys_problem(self) -> str | None:
        """Why the key file on disk was rejected (the keys in force stay), or None."""
        return self.key_file.problem if self.key_file is not None else None

    def degraded_reason(self) -> str | None:
        """Why the service answers without a model, or None when a model is served."""
        loaded = self.models.current
        if loaded is None:
            return "no model loaded: answering from rules and the default level (see /health/ready)"
        return self.model_misfit(loaded)

    def model_misfit(self, loaded: LoadedModel) -> str | None:
        """Why the served model's levels cannot be used with the rules' levels, or None.

        Checked once per (model, rules) pair: either may be swapped by a reload.
        """
        if not self.rules.loaded:
            return None
        ruleset = self.rules.current.ruleset
        checked = self._misfit_checked
        if checked is None or checked[0] is not loaded or checked[1] is not ruleset:
            self._misfit_checked, self._misfit = (
                (loaded, ruleset),
                _levels_misfit(loaded, ruleset.scale),
            )
            if self._misfit is not None:
                log.error("model_levels_not_in_rules", problem=self._misfit)
        return self._misfit

    def _model_outputs(
        self, loaded: LoadedModel | None, tickets: Sequence[Ticket]
    ) -> tuple[Sequence[ModelOutput | None], str | None]:
        if loaded is None or self.model_misfit(loaded) is not None:
            return [None] * len(tickets), self.degraded_reason()
        try:
            outputs = loaded.model.predict([t.to_record() for t in tickets])
        except Exception as exc:  # a model bug must degrade, never 5xx
            self.metrics.errors.labels("model").inc()
            log.error("model_call_failed", error_type=type(exc).__name__, exc_info=exc)
            reason = f"model {loaded.version} failed: {type(exc).__name__}"
            return [None] * len(tickets), reason
        if len(outputs) != len(tickets):
            self.metrics.errors.labels("model").inc()
            return [None] * len(tickets), "model returned a wrong number of outputs"
        return outputs, None

    def decide_all(
        self, tickets: Sequence[Ticket], wire: Sequence[TicketIn], *, count: bool = True
    ) -> Decided:
        """Ask the model and the rules about the tickets of one request (CPU only: a batch
        route runs this in a worker thread). `finish` stores and logs the result.

        `count=False` leaves the decisions out of the metrics, for a caller that counts them
        only once it knows they are answered.
        """
        loaded = self.models.current
        rules = self.rules.current
        model_outputs, degraded = self._model_outputs(loaded, tickets)
        used = loaded if degraded is None else None
        now = datetime.now(UTC)
        shadow = self.settings.shadow_mode
        decide = self.decide
        decided = Decided(tickets=tickets, model=used, rules=rules)
        ids = prediction_ids(len(tickets))
        for ticket, output, item, prediction_id in zip(
            tickets, model_outputs, wire, ids, strict=True
        ):
            try:
                decision = decide(
                    ticket, output, rules.ruleset, now=now, degraded=degraded, shadow=shadow
                )
            except ClassifierError as exc:
                decided.results.append(exc)
                continue
            out = to_decision_out(
                decision,
                prediction_id=prediction_id,
                external_id=ticket.ticket_id,
                rules_sha256=rules.sha256,
            )
            body = _encode(out)
            decided.decisions.append(decision)
            decided.results.append(Answered(out, body))
            decided.stored.append((out, item, body))
        if count:
            self.metrics.observe_decisions(decided.decisions)
        return decided

    async def finish(self, decided: Decided, log_state: dict[str, Any]) -> Answer:
        """Store and log what `decide_all` decided; the request's answer."""
        if decided.stored and not isinstance(self.sink, NullSink):
            await self._store(decided.stored, decided.model, decided.idempotency)
        self._log(log_state, decided.decisions, decided.stored, decided.tickets, decided.model)
        return Answer(results=decided.results, model=decided.model, rules=decided.rules)

    async def answer(
        self, tickets: Sequence[Ticket], wire: Sequence[TicketIn], log_state: dict[str, Any]
    ) -> Answer:
        """Decide, render, store and count the tickets of one request, on the event loop.

        A ticket the core rejects (e.g. an unknown customer calendar) gets its
        `ClassifierError` in `results` instead of a decision; the others are unaffected.
        """
        return await self.finish(self.decide_all(tickets, wire), log_state)

    async def answer_once(
        self, ticket: Ticket, item: TicketIn, log_state: dict[str, Any], key: str
    ) -> KeyedAnswer:
        """Answer one ticket sent with an idempotency key (`serving.idempotency.scoped_key`):
        the first time as `answer` does, storing the key with the prediction; a repeat within
        the window with the first answer, storing nothing.

        With a review store the prediction is stored (`claim_answer`) before it is answered:
        a worker that finds the key taken by then answers with the stored answer instead, so
        every answer carries a prediction the store holds. A store that cannot take it gives
        an answer marked unconfirmed, queued for the store like any other.

        Raises:
            WireError: 422, the key came before with another ticket.
            ClassifierError: the core rejected the ticket (nothing is remembered).
        """
        cache = self.answers
        request_print = fingerprint(_encode(item))
        known = cache.get(key)
        owner = False
        if known is None:
            pending = cache.in_flight(key)
            if pending is not None:  # the first request is still being answered here
                known = await asyncio.shield(pending)
            else:
                owner = True
                cache.begin(key)
        try:
            if known is None and owner and self.find_answer is not None:
                known = await self.find_answer(key)  # another worker's, or before a restart
            if known is not None:
                return self._replay(known, request_print, log_state)
            known, taken = await self._decide_once(ticket, item, log_state, key, request_print)
            if taken:  # another worker stored an answer for the key first
                return self._replay(known, request_print, log_state)
            return KeyedAnswer(known.body, confirmed=known.confirmed)
        finally:
            if owner:
                cache.end(key, known)

    async def _decide_once(
        self,
        ticket: Ticket,
        item: TicketIn,
        log_state: dict[str, Any],
        key: str,
        request_print: str,
    ) -> tuple[Remembered, bool]:
        """Decide a keyed ticket and store it; returns the answer and whether it is the one
        another worker stored for the key first (this decision is then dropped)."""
        # Counted once answered: a decision that lost the key to another worker is dropped,
        # and its answer is counted as a replay.
        decided = self.decide_all([ticket], [item], count=False)
        decided.idempotency = (key, request_print)
        result = decided.results[0]
        if isinstance(result, ClassifierError):
            raise result
        claim: Claim = "stored"
        if self.claim_answer is None:  # no review store: the sink keeps it, if anything
            await self.finish(decided, log_state)
        else:
            records = self._records(decided.stored, decided.model, decided.idempotency)
            claim = await self.claim_answer(records[0])
            if isinstance(claim, Remembered):
                return claim, True
            if claim == "unavailable":
                await self._save(records)  # queued: the writer stores it once the store is back
            self._log(log_state, decided.decisions, decided.stored, [ticket], decided.model)
        self.metrics.observe_decisions(decided.decisions)
        self.metrics.idempotency.labels("new" if claim == "stored" else "unconfirmed").inc()
        return Remembered(request_print, result.json, confirmed=claim == "stored"), False

    def _replay(
        self, known: Remembered, request_print: str, log_state: dict[str, Any]
    ) -> KeyedAnswer:
        if known.fingerprint != request_print:
            self.metrics.idempotency.labels("reused").inc()
            raise WireError(reuse_problem(self.settings.idempotency.header))
        self.metrics.idempotency.labels("replayed").inc()
        log_state["log"] = {"idempotent_replay": True}
        return KeyedAnswer(known.body, replayed=True, confirmed=known.confirmed)

    def _records(
        self,
        stored: Sequence[tuple[DecisionOut, TicketIn, bytes]],
        loaded: LoadedModel | None,
        idempotency: tuple[str, str] | None = None,
    ) -> list[EncodedPrediction]:
        created = datetime.now(UTC)
        return [
            encode_prediction(o, w, created, loaded, body, idempotency=idempotency)
            for o, w, body in stored
        ]

    async def _store(
        self,
        stored: Sequence[tuple[DecisionOut, TicketIn, bytes]],
        loaded: LoadedModel | None,
        idempotency: tuple[str, str] | None = None,
    ) -> None:
        await self._save(self._records(stored, loaded, idempotency))

    async def _save(self, records: Sequence[EncodedPrediction]) -> None:
        try:
            await self.sink.save(records)
        except Exception as exc:  # the helpdesk still gets its answer
            self.metrics.errors.labels("store").inc()
            log.error(
                "prediction_store_failed",
                count=len(records),
                error_type=type(exc).__name__,
                exc_info=exc,
            )

    def _log(
        self,
        state: dict[str, Any],
        decisions: Sequence[Decision],
        stored: Sequence[tuple[DecisionOut, TicketIn, bytes]],
        tickets: Sequence[Ticket],
        loaded: LoadedModel | None,
    ) -> None:
        entry: dict[str, Any] = {"model_version": loaded.version if loaded else None}
        if len(decisions) == 1:
            d = decisions[0]
            entry.update(
                prediction_id=stored[0][0].prediction_id,
                priority=d.priority,
                source=d.source,
                rule_id=d.rule_id,
                confidence=d.model.confidence if d.model else None,
                degraded=d.degraded,
            )
        else:
            entry["tickets"] = len(decisions)
        if self.settings.log.log_text:
            entry["text"] = [t.text for t in tickets]
        state["log"] = entry
