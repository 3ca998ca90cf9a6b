"""The result types of a prediction: what the model said, what the rules did, the Decision."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Source = Literal["model", "rule", "default"]


@dataclass(frozen=True)
class Reason:
    """One feature that pushed the model towards (weight > 0) or away from its suggestion."""

    feature: str  # readable, e.g. "'nedbrud' in body", "tier = enterprise"
    weight: float


@dataclass(frozen=True)
class ModelOutput:
    """The model's view of one ticket.

    Attributes:
        priority: the cost-aware suggestion (least expected cost, not simply the argmax).
        probabilities: calibrated probability per level, in the scale's order.
        confidence: probability of the suggested level.
        model_name / model_version: registry name and version (version may be "local").
        reasons: top features for and against the suggestion (may be empty).
    """

    priority: str
    probabilities: Mapping[str, float]
    confidence: float
    model_name: str
    model_version: str
    reasons: tuple[Reason, ...] = ()


@dataclass(frozen=True)
class FiredRule:
    """A rule whose condition held, what it did and why (matched phrase, value, threshold)."""

    rule_id: str
    reason: str
    actions: tuple[str, ...]  # e.g. ("at_least urgent", "require_review")


@dataclass(frozen=True)
class SlaDue:
    """SLA targets resolved to due times for the final priority."""

    policy: str
    level: str
    first_response_due: datetime
    resolution_due: datetime
    calendar: str


@dataclass(frozen=True)
class Decision:
    """Everything the helpdesk needs for one ticket; the API and the review page render this.

    `source` says where `priority` came from: the model, a rule (`rule_id` set), or the default
    level when there is neither a model nor a matching rule (`degraded` then explains why).
    """

    priority: str
    source: Source
    rule_id: str | None
    model: ModelOutput | None
    rules_fired: tuple[FiredRule, ...] = ()
    sla: SlaDue | None = None
    review_required: bool = False
    tags_added: tuple[str, ...] = ()
    degraded: str | None = None  # why the model was not used, if it was not
    shadow_model_priority: str | None = field(default=None)  # shadow mode: model's unused view
