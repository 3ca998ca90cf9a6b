"""The packaged sample rules catch security breaches and outages as tickets really write them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from classifier.decide import decide
from classifier.decision import Decision
from classifier.schema import Customer
from tests.rules_fixtures import sample_rules, ticket

# Sunday 03:00 in Copenhagen: a breach is urgent whatever the hour.
SUNDAY_NIGHT = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)


def _decide(subject: str, body: str = ".", tier: str = "standard") -> Decision:
    t = ticket(subject, body, created_at=SUNDAY_NIGHT, customer=Customer(tier=tier))
    return decide(t, None, sample_rules())


def _fired(decision: Decision) -> set[str]:
    return {fired.rule_id for fired in decision.rules_fired}


@pytest.mark.parametrize(
    "subject",
    [
        "<p>security</p> <p>breach</p>",
        "security&nbsp;breach",
        "secu\u00adrity breach",
        "<div>Wir haben ein <b>Daten</b>leck</div>",
        "Sikkerheds\u00adbrud",
        "Tietoturva&shy;loukkaus",
        "\u200bdatalek",
    ],
)
def test_html_bodies_and_soft_hyphens_still_raise_a_breach_to_urgent(subject: str) -> None:
    decision = _decide(subject)
    assert "security-breach" in _fired(decision)
    assert decision.priority == "urgent"


@pytest.mark.parametrize(
    "subject",
    [
        "Vi har opdaget sikkerhedsbruddet",  # Danish, definite
        "Datalækket er alvorligt",
        "Flere databrud i nat",
        "Huomasimme tietoturvaloukkauksen",  # Finnish, genitive/accusative
        "Epäilemme tietovuotoa",  # partitive
        "Tietomurron jälkeen",
        "Palvelin hakkeroitiin",
        "Zaznali smo vdora",  # Slovenian, genitive
        "Prišlo je do uhajanja podatkov",
        "Prijavljamo varnostnega incidenta",
        "Meerdere datalekken gevonden",  # Dutch, plural
        "Twee beveiligingsincidenten",
        "Zwei Sicherheitsvorfälle heute",  # German, plural
        "Sicherheitslücken im Portal",
        "Kundendatenlecks",
        "Several data breaches",  # English
        "Two security breaches and data leaks",
    ],
)
def test_inflected_breach_words_raise_a_breach_to_urgent(subject: str) -> None:
    decision = _decide(subject)
    assert "security-breach" in _fired(decision)
    assert decision.priority == "urgent"


@pytest.mark.parametrize(
    "subject",
    [
        "Nedbruddet varede en time",  # Danish
        "Servernedbruddene i går",
        "Tjenesten er utilgængelige",
        "Sähkökatkon takia",  # Finnish
        "Verkkokatkoksia koko päivän",
        "Storingen bij de server",  # Dutch
        "Netwerkstoringen sinds vanochtend",
        "Mehrere Serverausfälle",  # German
        "Wegen des Stromausfalls",
        "Izpada strežnika",  # Slovenian
        "Storitev je nedosegljiva",
        "Two outages today",  # English
    ],
)
def test_inflected_outage_words_raise_an_enterprise_ticket_to_high(subject: str) -> None:
    decision = _decide(subject, tier="enterprise")
    assert "enterprise-outage" in _fired(decision)


@pytest.mark.parametrize(
    "subject",
    [
        "Sikkerhed og data",  # Danish: security, data, no breach
        "Tietoturva-asiat ja tietojen vienti",  # Finnish: security matters
        "Hakkeri-elokuva suositus",
        "Incident s parkiranjem",  # Slovenian: a parking incident
        "Uhajanje vode v kleti",  # a water leak
        "Varnostni pas",  # seat belt
        "Sicherheitsvorführung am Montag",  # German: safety demonstration
        "Breach of contract",
        "Data export",
    ],
)
def test_words_near_the_breach_stems_do_not_fire_the_breach_rule(subject: str) -> None:
    assert "security-breach" not in _fired(_decide(subject))


@pytest.mark.parametrize(
    "subject",
    [
        "Restoring backups from last week",  # English "restoring" ends in Dutch "storing"
        "Ausfallsicherer Cluster geplant",  # German: fail-safe
        "Katkera asiakas",  # Finnish: bitter
        "Izkušnje z novim portalom",  # Slovenian, no outage
        "Downloading the invoice",
    ],
)
def test_words_near_the_outage_stems_do_not_fire_the_outage_rule(subject: str) -> None:
    assert "enterprise-outage" not in _fired(_decide(subject, tier="enterprise"))
