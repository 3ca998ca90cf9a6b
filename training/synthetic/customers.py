"""A population of recurring customers with stable attributes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from classifier.schema import TIERS

TIER_SHARE: tuple[float, ...] = (0.38, 0.32, 0.20, 0.10)  # free, standard, premium, enterprise
VIP_RATE: tuple[float, ...] = (0.005, 0.02, 0.08, 0.25)
MEDIAN_VALUE: tuple[float, ...] = (0.0, 49.0, 249.0, 2400.0)  # per month, by tier
AFFECTED_SCALE: tuple[float, ...] = (0.3, 1.0, 2.5, 8.0)  # bigger customers, bigger blast radius
LANGUAGE_WEIGHT: Mapping[str, float] = {
    "en": 0.28, "de": 0.20, "da": 0.14, "fi": 0.12, "nl": 0.14, "sl": 0.12,
}  # fmt: skip
PRODUCTS: tuple[str, ...] = ("Nimbus", "Kassio", "Ledgerly", "Pulse API", "Orbit", "Tidewater")


@dataclass(frozen=True)
class Customers:
    """Per-customer arrays, indexed by customer number.

    Attributes:
        ids: customer ids such as "C000042".
        tier: index into classifier.schema.TIERS.
        vip: VIP flag.
        monthly_value: recurring revenue, consistent with the tier (0 for free).
        signup_days: days between sign-up and the start of the history.
        language: index into the generator's language list (the language they write in).
        product: index into PRODUCTS (the product they mostly write about).
        activity: relative ticket rate (heavy-tailed: a few customers write a lot).
    """

    ids: npt.NDArray[np.str_]
    tier: npt.NDArray[np.int64]
    vip: npt.NDArray[np.bool_]
    monthly_value: npt.NDArray[np.float64]
    signup_days: npt.NDArray[np.int64]
    language: npt.NDArray[np.int64]
    product: npt.NDArray[np.int64]
    activity: npt.NDArray[np.float64]


def make_customers(count: int, languages: tuple[str, ...], rng: np.random.Generator) -> Customers:
    """Draw `count` customers writing in `languages` (weighted by LANGUAGE_WEIGHT)."""
    tier = rng.choice(len(TIERS), size=count, p=TIER_SHARE).astype(np.int64)
    vip = rng.random(count) < np.array(VIP_RATE)[tier]
    median = np.array(MEDIAN_VALUE)[tier]
    value = np.round(median * rng.lognormal(0.0, 0.45, size=count), 2)
    weights = np.array([LANGUAGE_WEIGHT.get(code, 0.1) for code in languages])
    language = rng.choice(len(languages), size=count, p=weights / weights.sum()).astype(np.int64)
    # Bigger customers open more tickets; a few accounts of every tier are very chatty.
    activity = rng.lognormal(0.0, 0.9, size=count) * (1.0 + 0.5 * tier)
    return Customers(
        ids=np.array([f"C{i:06d}" for i in range(1, count + 1)]),
        tier=tier,
        vip=vip,
        monthly_value=value,
        signup_days=np.clip(rng.gamma(1.3, 420.0, size=count), 1, 3650).astype(np.int64),
        language=language,
        product=rng.integers(0, len(PRODUCTS), size=count).astype(np.int64),
        activity=activity,
    )
