"""decide() gives exactly the recorded Decisions on a few hundred synthetic tickets.

The fixture `decide_golden.json` holds synthetic tickets (multilingual phrases from the sample
rules, accents, odd scripts and punctuation, random customers, times across DST changes and
holidays) and the Decisions the engine gave for them: fired rules with reasons, the final level
and its source, SLA due times, tags and review flags. Speed work on the engine must keep every
one of them. After an intended change of behaviour, regenerate it with
`python -m tests.unit.test_decide_golden --write` and review the diff.
"""

from __future__ import annotations

import json
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from classifier.decide import decide
from classifier.decision import Decision, ModelOutput
from classifier.rules import RuleSet, default_rules_path, parse_ruleset
from classifier.schema import CHANNELS, TIERS, Customer, Ticket

FIXTURE = Path(__file__).with_name("decide_golden.json")
LEVELS = ("low", "medium", "high", "urgent")

# Words the rules look for (any case, with and without accents), words they must not match
# inside (download, Serverausfall-like compounds) and filler in the six languages and others.
RULE_WORDS = [
    "Security breach", "DATA leak", "hacked", "ransomware", "Sicherheitsvorfall", "Datenleck",
    "gehackt", "Sicherheitslücke", "Sikkerhedsbrud", "datalæk", "datalaek", "hacket",
    "tietoturvaloukkaus", "tietovuoto", "datalek", "varnostni incident", "uhajanje podatkov",
    "vdor", "down", "Outage", "not working", "not-working", "unavailable", "Ausfall",
    "Serverausfall", "nicht erreichbar", "funktioniert nicht", "nedbrud", "servernedbrud",
    "virker ikke", "utilgængelig", "katko", "sähkökatko", "ei toimi", "alhaalla", "storing",
    "netwerkstoring", "werkt niet", "onbereikbaar", "izpad", "ne deluje", "nedosegljiv",
    "chargeback", "double charged", "refund", "Rückbuchung", "doppelt abgebucht",
    "tilbageførsel", "trukket to gange", "veloitettu kahdesti", "hyvitys", "terugboeking",
    "dubbel afgeschreven", "dvojna bremenitev", "vračilo denarja", "feature request",
    "would be nice", "suggestion", "Funktionswunsch", "wäre schön", "forslag", "ønske om funktion",
    "ehdotus", "olisi kiva", "suggestie", "zou fijn zijn", "predlog", "bilo bi lepo", "server",
    "Passwort", "salasana", "wachtwoord", "geslo", "login", "VPN", "Drucker", "tulostin",
    "Lizenz", "račun", "faktura", "download", "downtime", "breaches",
]  # fmt: skip
FILLER = [
    "the", "and", "please", "help", "we", "have", "a", "problem", "with", "our", "is", "not",
    "der", "die", "und", "ist", "nicht", "bitte", "og", "ikke", "jeg", "vi", "det", "på", "er",
    "ja", "ei", "on", "että", "mutta", "de", "het", "een", "niet", "graag", "in", "je", "ni",
    "da", "se", "prosim", "Grüße", "Straße", "Ärger", "høj", "Æble", "čevapčiči", "Škoda",
    "¿qué", "pasa?", "déjà", "café", "Проблема", "系统故障", "ﬁle", "ℌello", "Ꭰ", "Σίσυφος",
    "e-mail", "ERR-503", "#42", "100%", "50€", "it’s", "“quoted”", "a–b", "x…", "\u00a0",
]  # fmt: skip
PUNCT = [" ", " ", " ", ", ", ". ", "! ", "? ", "\n", " - ", ": ", " (", ") ", "/", "\\n"]

EXTRA_RULES: list[dict[str, Any]] = [
    {"id": "g-subject", "when": {"subject_matches": ["server", "vpn"]},
     "then": {"at_least": "high"}},
    {"id": "g-body-wild", "when": {"body_matches": ["*katko", "down*"]},
     "then": {"at_most": "high"}},
    {"id": "g-any-open", "when": {"any": [{"text_matches": ["login", "geslo", "passwort"]},
                                          {"customer.open_tickets": {">=": 12}}]},
     "then": {"at_least": "medium", "tags": ["access"]}},
    {"id": "g-all", "when": {"all": [{"text_matches": ["drucker", "tulostin"]},
                                     {"customer.tier": ["free", "standard"]}]},
     "then": {"set": "low"}},
    {"id": "g-not", "when": {"not": {"channel": ["email"]}, "language": ["de", "fi"]},
     "then": {"tags": ["not-email"]}},
    {"id": "g-regex", "when": {"regex": "err-\\d+"}, "then": {"at_least": "high"}},
    {"id": "g-model", "when": {"model.priority": {"at_least": "high"}, "customer.vip": False},
     "then": {"require_review": True}},
    {"id": "g-money", "when": {"customer.monthly_value": {"between": [1000, 2000]}},
     "then": {"policy": "standard"}},
    {"id": "g-inside", "when": {"business_hours": True, "affected_users": {">": 80}},
     "then": {"at_least": "urgent"}},
    {"id": "g-multi", "when": {"text_matches": ["lizenz faktura", "not working"]},
     "then": {"at_most": "medium"}},
]  # fmt: skip


def golden_ruleset() -> RuleSet:
    """The sample rules file with the extra rules above inserted before its last rule."""
    import yaml

    data: dict[str, Any] = yaml.safe_load(default_rules_path().read_text(encoding="utf-8"))
    data["rules"][-1:-1] = EXTRA_RULES
    return parse_ruleset(data, "golden")


def _text(rng: random.Random, n: int) -> str:
    out = []
    for _ in range(n):
        word = rng.choice(RULE_WORDS) if rng.random() < 0.05 else rng.choice(FILLER)
        if rng.random() < 0.1:
            word = word.upper()
        out.append(word + rng.choice(PUNCT))
    return "".join(out).strip()


def make_tickets(n: int, seed: int = 2026) -> list[dict[str, Any]]:
    """n synthetic tickets as JSON-ready mappings (the fixture stores them as they are)."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    tickets = []
    for i in range(n):
        row: dict[str, Any] = {
            "subject": _text(rng, rng.randint(0, 6)),
            "body": _text(rng, rng.randint(0, 25)),
            "language": rng.choice([None, None, "en", "de", "da", "fi", "nl", "sl"]),
            "channel": rng.choice([*CHANNELS, None]),
            "tags": rng.sample(["spam", "billing", "x"], rng.randint(0, 1)),
            "stated_urgency": rng.choice([None, None, "urgent", "kritisch", "low"]),
            "affected_users": rng.choice([None, rng.randint(1, 120)]),
            "created_at": (start + timedelta(minutes=rng.randint(0, 525_600))).isoformat(),
            "customer": {
                "tier": rng.choice([*TIERS, None]),
                "vip": rng.choice([None, False, False, True]),
                "monthly_value": rng.choice([None, round(rng.uniform(0, 9000), 2)]),
                "open_tickets": rng.choice([None, rng.randint(0, 25)]),
                "calendar": rng.choice([None] * 6 + ["helsinki", "amsterdam", "always"]),
            },
            "model": None,
        }
        if i % 3 == 0:
            confidence = round(rng.uniform(0.25, 0.95), 3)
            row["model"] = {"priority": rng.choice(LEVELS), "confidence": confidence}
        tickets.append(row)
    return tickets


def to_ticket(row: dict[str, Any]) -> tuple[Ticket, ModelOutput | None]:
    """A fixture row as the Ticket and model output decide() takes."""
    model = row["model"]
    output = None
    if model is not None:
        probs = {lv: (model["confidence"] if lv == model["priority"] else 0.0) for lv in LEVELS}
        output = ModelOutput(model["priority"], probs, model["confidence"], "m", "1")
    ticket = Ticket(
        subject=row["subject"],
        body=row["body"],
        language=row["language"],
        channel=row["channel"],
        tags=tuple(row["tags"]),
        stated_urgency=row["stated_urgency"],
        affected_users=row["affected_users"],
        created_at=datetime.fromisoformat(row["created_at"]),
        customer=Customer(**row["customer"]),
    )
    return ticket, output


def summary(decision: Decision) -> dict[str, Any]:
    """The Decision's content as JSON-ready data."""
    sla = decision.sla
    due = (
        ("", "")
        if sla is None
        else (sla.first_response_due.isoformat(), sla.resolution_due.isoformat())
    )
    return {
        "priority": decision.priority,
        "source": decision.source,
        "rule_id": decision.rule_id,
        "fired": [[f.rule_id, f.reason, list(f.actions)] for f in decision.rules_fired],
        "sla": None if sla is None else [sla.policy, sla.level, due[0], due[1], sla.calendar],
        "review": decision.review_required,
        "tags": list(decision.tags_added),
    }


def run_all(rows: list[dict[str, Any]], ruleset: RuleSet) -> list[dict[str, Any]]:
    """Decide every row, twice for every fifth (shadow mode), as summaries."""
    out = []
    for i, row in enumerate(rows):
        ticket, output = to_ticket(row)
        out.append(summary(decide(ticket, output, ruleset)))
        if i % 5 == 0:
            out.append(summary(decide(ticket, output, ruleset, shadow=True)))
    return out


def pack(decisions: list[dict[str, Any]]) -> dict[str, Any]:
    """Fired rules stored once in a table and referred to by position (keeps the file small)."""
    table: dict[str, int] = {}
    packed = []
    for d in decisions:
        refs = [table.setdefault(json.dumps(f, ensure_ascii=False), len(table)) for f in d["fired"]]
        packed.append({**d, "fired": refs})
    return {"fired_table": [json.loads(k) for k in table], "decisions": packed}


@pytest.fixture(scope="module")
def golden() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    table = data.pop("fired_table")
    for d in data["decisions"]:
        d["fired"] = [table[i] for i in d["fired"]]
    return data


def test_the_fixture_covers_fired_rules_phrases_and_due_times(golden: dict[str, Any]) -> None:
    fired = {rule for d in golden["decisions"] for rule, _, _ in d["fired"]}
    assert len(golden["tickets"]) >= 300
    assert len(fired) >= 20  # most rules fire on some ticket
    assert sum(d["sla"] is not None for d in golden["decisions"]) == len(golden["decisions"])


def test_decisions_match_the_recorded_ones_exactly(golden: dict[str, Any]) -> None:
    ruleset = golden_ruleset()
    got = run_all(golden["tickets"], ruleset)
    assert len(got) == len(golden["decisions"])
    pairs = enumerate(zip(got, golden["decisions"], strict=True))
    mismatches = [(i, g, e) for i, (g, e) in pairs if g != e]
    assert not mismatches, mismatches[:3]


def test_deciding_again_with_warm_caches_gives_the_same_decisions(golden: dict[str, Any]) -> None:
    ruleset = golden_ruleset()
    rows = golden["tickets"][:120]
    assert run_all(rows, ruleset) == run_all(rows, ruleset)


if __name__ == "__main__" and "--write" in sys.argv:
    rows = make_tickets(300)
    FIXTURE.write_text(
        json.dumps({"tickets": rows, **pack(run_all(rows, golden_ruleset()))},
                   ensure_ascii=False, separators=(",", ":")) + "\n",
        encoding="utf-8",
    )  # fmt: skip
