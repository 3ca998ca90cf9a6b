"""Tiny hand-made multilingual training data and a model fitted on it, for fast unit tests.

The words are chosen so the right answer is obvious: outage words ("nedbrud", "ausfall",
"down") mean urgent, questions mean low; enterprise customers lean higher.
"""

from __future__ import annotations

import functools
import random

import pandas as pd

from classifier.features import FeatureSpec
from classifier.levels import PriorityScale
from classifier.model import PriorityModel
from training.pipeline import build_pipeline

SPEC = FeatureSpec(("subject", "body"), ("tier", "language"), ("affected_users", "monthly_value"))
SCALE = PriorityScale.default_scale()

_TEXTS = {
    "urgent": [
        ("Nedbrud", "Hele platformen har nedbrud, ingen kan logge ind"),
        ("Totalausfall", "Kompletter Ausfall der Plattform seit heute Morgen"),
        ("Site down", "Production is down for all users, total outage"),
        ("Katko", "Palvelu on kokonaan alhaalla, täydellinen katko"),
    ],
    "high": [
        ("Betaling fejler", "Betalinger fejler for flere kunder i kassen"),
        ("Zahlung fehlgeschlagen", "Zahlungen schlagen bei vielen Kunden fehl"),
        ("Payment failing", "Card payments are failing for many customers"),
        ("Maksu epäonnistuu", "Maksut epäonnistuvat monella asiakkaalla"),
    ],
    "medium": [
        ("Langsom side", "Siden er langsom at indlæse i dag"),
        ("Langsame Seite", "Die Seite lädt heute sehr langsam"),
        ("Slow dashboard", "The dashboard is slow to load today"),
        ("Hidas sivu", "Sivu latautuu tänään hitaasti"),
    ],
    "low": [
        ("Spørgsmål", "Hvordan ændrer jeg min adgangskode? Bare et spørgsmål"),
        ("Frage", "Wie kann ich mein Profilbild ändern? Nur eine Frage"),
        ("Question", "How do I change my profile picture? Just a question"),
        ("Kysymys", "Miten vaihdan profiilikuvan? Vain kysymys"),
    ],
}
_LANGS = ("da", "de", "en", "fi")


def tiny_frame(rows_per_text: int = 12, seed: int = 0) -> tuple[pd.DataFrame, list[str]]:
    """A small labelled frame with the `SPEC` columns and some gaps."""
    rng = random.Random(seed)
    records, labels = [], []
    for level, texts in _TEXTS.items():
        for (subject, body), language in zip(texts, _LANGS, strict=True):
            for _ in range(rows_per_text):
                tier = rng.choice(["free", "standard", "premium", "enterprise"])
                records.append({
                    "subject": subject,
                    "body": f"{body} #{rng.randint(1, 9999)}",
                    "tier": tier if rng.random() > 0.1 else None,
                    "language": language,
                    "affected_users": rng.choice([1, 3, 10, 200, None]),
                    "monthly_value": rng.choice([0, 50, 500, 5000]),
                })  # fmt: skip
                labels.append(level)
    return pd.DataFrame(records), labels


@functools.cache
def tiny_model(estimator: str = "linear_svm") -> PriorityModel:
    """A PriorityModel fitted on `tiny_frame` (cached per process; treat as read-only)."""
    frame, labels = tiny_frame()
    pipeline = build_pipeline(SPEC, estimator)
    pipeline.fit(frame, labels)
    return PriorityModel(pipeline, SCALE, SPEC, name="tiny", version="7", run_id="run-1")
