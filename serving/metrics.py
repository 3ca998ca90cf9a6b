"""Prometheus metrics, one registry per app (so tests and several apps never collide).

With several workers a scrape reaches one of them at random, so each worker's own counters
would jump back and forth. `ticket-priority serve --workers N` (N > 1) therefore sets
`PROMETHEUS_MULTIPROC_DIR` (`serving.metrics_dir`): every worker then writes its values to files
there and /metrics adds up all workers' counters and histograms. The info gauges (model,
rules) keep one series per worker (`pid` label), and `tp_degraded` is 1 when any live worker
is degraded. A worker that was killed outright (SIGKILL, out of memory) could not remove its
series; a scrape drops them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from classifier.decision import Decision
from serving.metrics_dir import MULTIPROC_ENV, dead_worker_pids, is_multiprocess

# Without its charset: Litestar appends `; charset=utf-8` to every text/* type itself.
CONTENT_TYPE = CONTENT_TYPE_LATEST.replace("; charset=utf-8", "")
_LATENCY_BUCKETS = (0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.5, 2.0)
_CONFIDENCE_BUCKETS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0)
# Why an answered prediction never reached the review store (`tp_predictions_not_stored_total`).
NOT_STORED_REASONS = ("queue_full", "refused", "shutdown", "write_failed")


class Metrics:
    """The service's metrics; `render()` is the /metrics body."""

    def __init__(self) -> None:
        self.multiprocess = is_multiprocess()
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.request_seconds = Histogram(
            "tp_request_duration_seconds",
            "Request latency by route and status.",
            ["route", "method", "status"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.decisions = Counter(
            "tp_decisions",
            "Decisions served, by final priority and its source.",
            ["priority", "source"],
            registry=r,
        )
        self.rules_fired = Counter(
            "tp_rules_fired", "Rule fires by rule id.", ["rule_id"], registry=r
        )
        self.confidence = Histogram(
            "tp_model_confidence",
            "Model confidence of its suggestion.",
            buckets=_CONFIDENCE_BUCKETS,
            registry=r,
        )
        self.model_info = Gauge(
            "tp_model_info",
            "The served model (value 1), by name, version and run id.",
            ["name", "version", "run_id"],
            registry=r,
            multiprocess_mode="liveall",
        )
        self.rules_info = Gauge(
            "tp_rules_info",
            "The active rules file (value 1), by SHA-256.",
            ["sha256"],
            registry=r,
            multiprocess_mode="liveall",
        )
        self.degraded = Gauge(
            "tp_degraded",
            "1 when answering without a model (rules and default level).",
            registry=r,
            multiprocess_mode="livemax",
        )
        self.config_problem = Gauge(
            "tp_config_problem",
            "1 while a source of configuration cannot be used and the service runs on the last "
            "good one: kind=rules (the rules file on disk is rejected), kind=model (the "
            "registry alias or the model cannot be read or loaded; the cached version, or rules "
            "alone, are served), kind=keys (TP_API_KEYS_FILE is rejected; the keys loaded before "
            "stay). /health/ready says why.",
            ["kind"],
            registry=r,
            multiprocess_mode="livemax",
        )
        for kind in ("rules", "model", "keys"):
            self.config_problem.labels(kind).set(0)
        self.errors = Counter(
            "tp_internal_errors",
            "Recovered internal failures by kind (model call, prediction store, reload).",
            ["kind"],
            registry=r,
        )
        self.idempotency = Counter(
            "tp_idempotent_requests",
            "Predict requests with an idempotency key: new (decided and stored), replayed "
            "(the first answer again; stored nothing), reused (422, another ticket) or "
            "unconfirmed (decided while the review store could not take the key).",
            ["outcome"],
            registry=r,
        )
        self.not_stored = Counter(
            "tp_predictions_not_stored",
            "Answered predictions the review store will never hold (they cannot be reviewed or "
            "exported), by reason: queue_full (the oldest queued dropped while the store was "
            "down), refused (the database refused the record), shutdown (still queued when the "
            "worker stopped), write_failed (a write inside the request failed).",
            ["reason"],
            registry=r,
        )
        for reason in NOT_STORED_REASONS:  # every series from the start, so rate() sees the 1st
            self.not_stored.labels(reason)
        self.queued = Gauge(
            "tp_predictions_queued",
            "Answered predictions waiting to be written to the review store (grows while the "
            "store is down; the oldest beyond TP_PREDICTION_QUEUE per worker are dropped).",
            registry=r,
            multiprocess_mode="livesum",
        )
        self.reloads = Counter(
            "tp_reloads",
            "Model, rules and key file reloads by kind and result.",
            ["kind", "result"],
            registry=r,
        )

        # Label children bound once: `labels()` takes a lock and builds a key on every call.
        self._decision_children: dict[tuple[str, str], Any] = {}
        self._rule_children: dict[str, Any] = {}

    def observe_decisions(self, decisions: Iterable[Decision]) -> None:
        """Count decisions, their rule fires and the model's confidence."""
        # Count per label set first: one label lookup per set, not per ticket of a batch.
        levels: dict[tuple[str, str], int] = {}
        rules: dict[str, int] = {}
        for d in decisions:
            key = (d.priority, d.source)
            levels[key] = levels.get(key, 0) + 1
            for fired in d.rules_fired:
                rules[fired.rule_id] = rules.get(fired.rule_id, 0) + 1
            if d.model is not None:
                self.confidence.observe(d.model.confidence)
        for label_set, count in levels.items():
            child = self._decision_children.get(label_set)
            if child is None:  # one label lookup per label set for the app's lifetime
                child = self._decision_children[label_set] = self.decisions.labels(*label_set)
            child.inc(count)
        for rule_id, count in rules.items():
            rule = self._rule_children.get(rule_id)
            if rule is None:
                rule = self._rule_children[rule_id] = self.rules_fired.labels(rule_id)
            rule.inc(count)

    def predictions_not_stored(self, reason: str, count: int) -> None:
        """Count answered predictions lost to the review store (`NOT_STORED_REASONS`)."""
        self.not_stored.labels(reason).inc(count)

    def predictions_queued(self, count: int) -> None:
        """How many answered predictions wait for the review store's writer right now."""
        self.queued.set(count)

    def set_model(self, name: str | None, version: str | None, run_id: str | None) -> None:
        """Point the model info gauge at the served model (or none)."""
        self._point(self.model_info, None if name is None else (name, version or "", run_id or ""))
        self.degraded.set(0 if name is not None else 1)

    def set_config_problems(self, *, rules: bool, model: bool, keys: bool = False) -> None:
        """Whether the rules file, the model (registry) and the key file are usable right now."""
        self.config_problem.labels("rules").set(int(rules))
        self.config_problem.labels("model").set(int(model))
        self.config_problem.labels("keys").set(int(keys))

    def set_rules(self, sha256: str) -> None:
        """Point the rules info gauge at the active rules file."""
        self._point(self.rules_info, (sha256,))

    def _point(self, gauge: Gauge, labels: tuple[str, ...] | None) -> None:
        # Value 1 on `labels` only. Shared value files cannot drop a series, so with several
        # workers the ones no longer current are set to 0 instead of removed.
        if self.multiprocess:
            for sample in next(iter(gauge.collect())).samples:
                if tuple(sample.labels.values()) != labels:
                    gauge.labels(*sample.labels.values()).set(0)
        else:
            gauge.clear()
        if labels is not None:
            gauge.labels(*labels).set(1)

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric (of every worker, when shared)."""
        if not self.multiprocess:
            return generate_latest(self.registry)
        from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

        for pid in dead_worker_pids(Path(os.environ[MULTIPROC_ENV])):
            mark_process_dead(pid)  # type: ignore[no-untyped-call]
        shared = CollectorRegistry()
        MultiProcessCollector(shared)  # type: ignore[no-untyped-call]
        return generate_latest(shared)

    def close(self) -> None:
        """Drop this worker's live gauges from the shared files (its counters stay counted)."""
        if self.multiprocess:
            from prometheus_client.multiprocess import mark_process_dead

            mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
