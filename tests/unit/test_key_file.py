"""`TP_API_KEYS_FILE`: one entry per line, comments and blank lines skipped, errors naming the
line; a rejected file keeps the keys in force."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from serving.auth import Keyring, new_api_key
from serving.key_file import KeyFile, KeyFileError, parse_key_file
from serving.settings import AuthSettings, SettingsError


def test_entries_are_read_one_per_line_past_comments_and_blank_lines() -> None:
    first_key, first = new_api_key(["predict"], name="zendesk")
    second_key, second = new_api_key(["review", "admin"], name="ops")
    text = f"# helpdesk keys\n\n{first}\n   \n{second}   # added 2026-11-25\n"

    keys = parse_key_file(text, "keys.txt")

    assert [k.key_id for k in keys] == ["zendesk", "ops"]
    assert keys[1].scopes == frozenset({"review", "admin"})
    ring = Keyring([])
    ring.replace(keys)
    found = ring.authenticate(second_key)
    assert found is not None
    assert found.key_id == "ops"
    assert ring.authenticate(first_key) is not None


def test_a_malformed_line_is_named_by_its_number_and_the_fix() -> None:
    _, good = new_api_key(["predict"], name="zendesk")
    text = f"# keys\n{good}\nops:not-a-hash:predict\n"

    with pytest.raises(KeyFileError) as caught:
        parse_key_file(text, "keys.txt")

    assert str(caught.value) == (
        "keys.txt line 3: entry 'ops': the hash must be 64 hex characters (SHA-256 of the "
        "key), never the key itself"
    )


def test_an_unknown_scope_names_the_line() -> None:
    _, good = new_api_key(["predict"], name="zendesk")
    bad = good.rsplit(":", 1)[0] + ":predict+root"

    with pytest.raises(KeyFileError, match=r"^keys.txt line 2: entry 'zendesk': scopes \['root'\]"):
        parse_key_file(f"\n{bad}\n", "keys.txt")


def test_a_file_without_any_key_is_rejected() -> None:
    with pytest.raises(KeyFileError, match=r"keys.txt: no API key entries"):
        parse_key_file("# all keys removed\n\n", "keys.txt")


def test_a_rejected_file_keeps_the_keys_in_force_until_a_good_one_loads(tmp_path: Path) -> None:
    old_key, old = new_api_key(["predict"], name="zendesk")
    new_key, new = new_api_key(["predict"], name="zendesk")
    path = tmp_path / "keys.txt"
    path.write_text(old + "\n", encoding="utf-8")
    ring = Keyring([])
    keys = KeyFile(path, ring)
    assert keys.load() is True

    path.write_text(new + "\nbroken\n", encoding="utf-8")
    os.utime(path, ns=(1, 1))  # a new mtime even within the clock's granularity
    assert keys.check() is False
    assert keys.problem is not None
    assert "line 2" in keys.problem
    assert ring.authenticate(old_key) is not None
    assert ring.authenticate(new_key) is None
    assert keys.check() is False  # the same rejected file is not read again

    path.write_text(new + "\n", encoding="utf-8")
    os.utime(path, ns=(2, 2))
    assert keys.check() is True
    assert keys.problem is None
    assert ring.authenticate(new_key) is not None
    assert ring.authenticate(old_key) is None


def test_a_missing_file_keeps_the_keys_in_force(tmp_path: Path) -> None:
    key, entry = new_api_key(["predict"], name="zendesk")
    path = tmp_path / "keys.txt"
    path.write_text(entry, encoding="utf-8")
    ring = Keyring([])
    keys = KeyFile(path, ring)
    keys.load()
    path.unlink()

    with pytest.raises(KeyFileError, match=r"TP_API_KEYS_FILE .*keys.txt: cannot be read"):
        keys.load()
    assert ring.authenticate(key) is not None


def test_keys_in_the_variable_and_a_key_file_together_are_refused_naming_both() -> None:
    _, entry = new_api_key(["predict"], name="zendesk")
    env = {"TP_API_KEYS": entry, "TP_API_KEYS_FILE": "/etc/tp/keys.txt"}

    with pytest.raises(SettingsError, match=r"^TP_API_KEYS and TP_API_KEYS_FILE are both set"):
        AuthSettings.from_env(env)


def test_a_key_file_alone_is_read_as_a_path() -> None:
    settings = AuthSettings.from_env({"TP_API_KEYS_FILE": "/etc/tp/keys.txt"})

    assert settings.api_keys_file == Path("/etc/tp/keys.txt")
    assert settings.api_keys == ()


def test_the_demo_runs_with_its_own_keys_when_a_key_file_is_set_in_the_shell() -> None:
    from serving.demo import demo_environment
    from training.settings import MlflowSettings

    _, entry = new_api_key(["predict"], name="demo")
    shell = {"TP_API_KEYS_FILE": "/etc/tp/keys.txt"}

    settings = AuthSettings.from_env({**shell, **demo_environment(MlflowSettings(), entry)})

    assert settings.api_keys == (entry,)
    assert settings.api_keys_file is None


@pytest.mark.parametrize("pasted", ["{key}", "ops {key}", "ops:{key}"])
def test_a_key_pasted_in_place_of_its_entry_is_never_echoed(pasted: str) -> None:
    # The file's problem is shown on the public readiness answer and in the logs.
    key, good = new_api_key(["predict"], name="zendesk")
    text = f"{good}\n{pasted.format(key=key)}\n"

    with pytest.raises(KeyFileError) as caught:
        parse_key_file(text, "keys.txt")

    assert "keys.txt line 2" in str(caught.value)
    assert key not in str(caught.value)
    assert key[:12] not in str(caught.value)
