"""Fakes for serving tests: a model, a rule set and decide() with the real signatures.

They stand in for classifier.model / classifier.rules / classifier.decide in unit and API
tests so those tests check serving's behaviour, not the model's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from classifier.decision import Decision, FiredRule, ModelOutput, Reason, SlaDue
from classifier.errors import ModelIntegrityError, RuleConfigError
from classifier.levels import PriorityScale
from serving.auth import Keyring, new_api_key
from serving.metrics import Metrics
from serving.model_store import ModelStore
from serving.rules_store import RulesStore
from serving.service import Runtime
from serving.settings import AuthSettings, ModelSettings, RulesSettings, Settings

SCALE = PriorityScale.default_scale()


@dataclass
class FakeModel:
    """Says `urgent` when the text mentions "down", else `low`; counts its calls."""

    name: str = "ticket-priority"
    version: str = "1"
    run_id: str = "run-1"
    sha256: str = "0" * 64
    scale: PriorityScale = SCALE
    metrics: dict[str, float] = field(default_factory=lambda: {"macro_f1": 0.8})
    trained_at: datetime = datetime(2026, 1, 1, tzinfo=UTC)
    calls: list[int] = field(default_factory=list)
    fail: bool = False

    def predict(self, records: Sequence[Mapping[str, Any]]) -> list[ModelOutput]:
        self.calls.append(len(records))
        if self.fail:
            raise RuntimeError("boom")
        out = []
        for r in records:
            text = f"{r.get('subject', '')} {r.get('body', '')}".lower()
            level = "urgent" if "down" in text or "nede" in text else "low"
            probs = {lv: (0.7 if lv == level else 0.1) for lv in SCALE.levels}
            out.append(
                ModelOutput(
                    priority=level,
                    probabilities=probs,
                    confidence=0.7,
                    model_name=self.name,
                    model_version=self.version,
                    reasons=(Reason("'down' in body", 1.2),),
                )
            )
        return out


@dataclass(frozen=True)
class FakeRuleSet:
    scale: PriorityScale
    sha256: str
    source: str
    rules: tuple[Any, ...] = ()


def fake_rules_loader(path: Path) -> FakeRuleSet:
    """Reads a file whose text must start with `ok`; anything else is a broken rules file."""
    import hashlib

    data = path.read_bytes()
    if not data.startswith(b"ok"):
        raise RuleConfigError(f"{path}: rules: expected a list of rules")
    return FakeRuleSet(SCALE, hashlib.sha256(data).hexdigest(), str(path))


def fake_decide(
    ticket: Any,
    output: ModelOutput | None,
    ruleset: Any,
    *,
    now: datetime | None = None,
    degraded: str | None = None,
    shadow: bool = False,
) -> Decision:
    """VIP customers get at least high (rule `vip`); otherwise the model, else the default."""
    now = now or datetime.now(UTC)
    fired: tuple[FiredRule, ...] = ()
    if output is not None and not shadow:
        priority, source, rule_id = output.priority, "model", None
    else:
        priority, source, rule_id = ruleset.scale.default, "default", None
    if ticket.customer.vip:
        fired = (FiredRule("vip", "customer.vip is true", ("at_least high",)),)
        if ruleset.scale.index(priority) < ruleset.scale.index("high"):
            priority, source, rule_id = "high", "rule", "vip"
    sla = SlaDue("standard", priority, now + timedelta(hours=1), now + timedelta(hours=4), "always")
    return Decision(
        priority=priority,
        source=source,  # type: ignore[arg-type]
        rule_id=rule_id,
        model=output,
        rules_fired=fired,
        sla=sla,
        review_required=output is None,
        degraded=degraded if output is None else None,
        shadow_model_priority=output.priority if shadow and output else None,
    )


@dataclass
class FakeModelLoader:
    """Loads FakeModels; `refuse` makes it raise like a hash mismatch; `versions` by folder."""

    model: FakeModel | None = field(default_factory=FakeModel)
    refuse: bool = False

    def __call__(self, path: Path, expected_sha256: str | None) -> FakeModel:
        if self.refuse:
            raise ModelIntegrityError(f"{path}/model.joblib: SHA-256 mismatch")
        if self.model is None:
            raise ModelIntegrityError(f"{path}: no model")
        return self.model


def write_rules(path: Path, text: str = "ok rules v1") -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def make_runtime(
    tmp_path: Path,
    *,
    model: FakeModel | None = None,
    keys: Sequence[str] = (),
    auth_required: bool = True,
    **settings_kwargs: Any,
) -> Runtime:
    """A runtime over fakes: model from a local folder (or none), rules from a tmp file."""
    rules_file = write_rules(tmp_path / "rules.yaml")
    local = tmp_path / "model"
    local.mkdir(exist_ok=True)
    settings = Settings(
        model=ModelSettings(
            cache_dir=tmp_path / "cache",
            refresh_seconds=0,
            local_dir=local if model is not None else None,
            registry_enabled=False,
        ),
        rules=RulesSettings(rules_file=rules_file, reload_seconds=0),
        auth=AuthSettings(api_keys=tuple(keys), required=auth_required),
        **settings_kwargs,
    )
    return Runtime(
        settings=settings,
        models=ModelStore(settings.model, loader=FakeModelLoader(model)),
        rules=RulesStore(rules_file, loader=fake_rules_loader),
        metrics=Metrics(),
        keyring=Keyring(settings.auth.api_keys, required=auth_required),
        decide=fake_decide,
    )


def keys() -> dict[str, tuple[str, str]]:
    """One key per scope set: name -> (plaintext, entry)."""
    return {
        "predict": new_api_key(["predict"], name="p"),
        "review": new_api_key(["review"], name="r"),
        "admin": new_api_key(["predict", "admin"], name="a"),
    }
