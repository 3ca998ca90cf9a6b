"""Model and rules stores: cache fallback, integrity refusal, atomic swap, broken rules kept out."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from classifier.errors import AliasNotSet, ModelNotReady, RuleConfigError
from classifier.rules import default_rules_path
from serving.model_store import REGISTRY_FILE, ModelStore, RegistryVersion, pointer_file
from serving.rules_store import RulesStore
from serving.settings import ModelSettings
from tests.serving_fakes import FakeModel, FakeModelLoader, fake_rules_loader, write_rules
from training.settings import MlflowSettings


def _cache_version(cache: Path, version: str, sha: str | None = "ab" * 32) -> Path:
    folder = cache / "ticket-priority" / version
    folder.mkdir(parents=True)
    meta = {"name": "ticket-priority", "version": version, "run_id": "r", "sha256": sha}
    (folder / REGISTRY_FILE).write_text(json.dumps(meta))
    (cache / "ticket-priority" / pointer_file("champion")).write_text(
        json.dumps({"version": version})
    )
    return folder


class _RecordingLoader(FakeModelLoader):
    def __init__(self) -> None:
        super().__init__(FakeModel())
        self.seen: list[tuple[Path, str | None]] = []

    def __call__(self, path: Path, expected_sha256: str | None) -> FakeModel:
        self.seen.append((path, expected_sha256))
        return super().__call__(path, expected_sha256)


def test_without_the_registry_the_cached_version_is_served_with_its_recorded_hash(
    tmp_path: Path,
) -> None:
    folder = _cache_version(tmp_path, "3")
    loader = _RecordingLoader()
    store = ModelStore(ModelSettings(cache_dir=tmp_path, registry_enabled=False), loader=loader)
    assert store.refresh() is True
    assert store.current is not None
    assert (store.current.version, store.current.source) == ("3", "cache")
    assert loader.seen == [(folder, "ab" * 32)]


def test_a_cached_version_without_a_recorded_hash_is_refused(tmp_path: Path) -> None:
    _cache_version(tmp_path, "3", sha=None)
    store = ModelStore(
        ModelSettings(cache_dir=tmp_path, registry_enabled=False), loader=FakeModelLoader()
    )
    assert store.refresh() is False
    assert store.current is None
    assert "no recorded SHA-256" in (store.problem or "")


def test_an_artifact_failing_its_integrity_check_is_refused(tmp_path: Path) -> None:
    _cache_version(tmp_path, "3")
    store = ModelStore(
        ModelSettings(cache_dir=tmp_path, registry_enabled=False),
        loader=FakeModelLoader(refuse=True),
    )
    assert store.refresh() is False
    assert store.current is None
    assert "SHA-256 mismatch" in (store.problem or "")


def test_a_missing_sqlite_registry_is_reported_not_created(tmp_path: Path) -> None:
    db = tmp_path / "gone.db"
    settings = ModelSettings(
        mlflow=MlflowSettings(tracking_uri=f"sqlite:///{db}"), cache_dir=tmp_path / "c"
    )
    store = ModelStore(settings, loader=FakeModelLoader())
    with pytest.raises(ModelNotReady, match="does not exist"):
        store.resolve()
    assert not db.exists()
    assert store.refresh() is False
    assert "no cached model" in (store.problem or "")


def test_a_new_alias_version_is_swapped_in_and_registry_outages_keep_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ModelStore(ModelSettings(cache_dir=tmp_path), loader=FakeModelLoader())
    answers: list[RegistryVersion | Exception] = [
        RegistryVersion("ticket-priority", "1", "r1", "aa" * 32),
        RegistryVersion("ticket-priority", "1", "r1", "aa" * 32),
        RegistryVersion("ticket-priority", "2", "r2", "bb" * 32),
        ModelNotReady("registry down"),
    ]

    def resolve() -> RegistryVersion:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def download(rv: RegistryVersion) -> Path:
        folder = tmp_path / "ticket-priority" / rv.version
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    monkeypatch.setattr(store, "resolve", resolve)
    monkeypatch.setattr(store, "_download", download)
    assert store.refresh() is True
    first = store.current
    assert store.refresh() is False
    assert store.current is first
    assert store.refresh() is True
    assert store.current is not None
    assert store.current.version == "2"
    pointer = json.loads((tmp_path / "ticket-priority" / pointer_file("champion")).read_text())
    assert pointer == {"version": "2"}
    assert store.refresh() is False
    assert store.current.version == "2"
    assert "still serving version 2" in (store.problem or "")


def test_rules_reload_on_change_and_a_broken_file_keeps_the_old_rules(tmp_path: Path) -> None:
    path = write_rules(tmp_path / "rules.yaml", "ok v1")
    store = RulesStore(path, loader=fake_rules_loader)
    first = store.load()
    assert store.check() is False
    write_rules(path, "broken")
    os.utime(path, ns=(1, first.mtime_ns + 10**9))
    assert store.check() is False
    assert store.current is first
    assert "expected a list of rules" in (store.problem or "")
    assert store.changed() is False  # the rejected file is not retried until it changes again
    write_rules(path, "ok v2")
    os.utime(path, ns=(1, first.mtime_ns + 2 * 10**9))
    assert store.check() is True
    assert store.current.sha256 != first.sha256
    assert store.problem is None


def test_an_impossible_closed_date_is_rejected_like_any_broken_rules_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    sample = default_rules_path().read_text(encoding="utf-8")
    path.write_text(sample, encoding="utf-8")
    store = RulesStore(path)
    first = store.load()
    broken = sample.replace("closed: [2026-12-24,", "closed: [2026-02-30,")
    path.write_text(broken, encoding="utf-8")
    os.utime(path, ns=(1, first.mtime_ns + 10**9))
    assert store.check() is False
    assert store.current is first
    assert "'2026-02-30' is not a real date" in (store.problem or "")


def test_a_regex_with_a_lookbehind_is_rejected_and_the_old_rules_stay(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    sample = default_rules_path().read_text(encoding="utf-8")
    path.write_text(sample, encoding="utf-8")
    store = RulesStore(path)
    first = store.load()
    spam = '- subject_regex: "^\\\\s*(?:\\\\[spam\\\\]|unsubscribe)"'
    assert spam in sample
    path.write_text(sample.replace(spam, '- subject_regex: "(?<!no )spam"'), encoding="utf-8")
    os.utime(path, ns=(1, first.mtime_ns + 10**9))
    assert store.check() is False
    assert store.current is first
    for text in ("rule 'spam'", "subject_regex", "uses a lookbehind", "not: {regex: ...}"):
        assert text in (store.problem or "")


def test_an_unexpected_loader_failure_is_a_rejected_file_not_a_crash(tmp_path: Path) -> None:
    def flaky(path: Path) -> object:
        raise ValueError("day is out of range for month")

    store = RulesStore(write_rules(tmp_path / "rules.yaml"), loader=flaky)
    with pytest.raises(RuleConfigError, match="cannot be loaded: ValueError"):
        store.load()
    assert "day is out of range" in (store.problem or "")
    assert store.check() is False  # rejected as is: not retried until the file changes


def test_rules_that_never_loaded_raise_a_rule_config_error(tmp_path: Path) -> None:
    store = RulesStore(tmp_path / "missing.yaml", loader=fake_rules_loader)
    with pytest.raises(RuleConfigError, match="cannot read"):
        store.load()
    with pytest.raises(RuleConfigError):
        _ = store.current


def test_a_refused_cached_copy_is_replaced_by_a_fresh_download(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _cache_version(tmp_path, "4")
    calls: list[str] = []

    class _RefuseFirst(FakeModelLoader):
        def __call__(self, path: Path, expected_sha256: str | None) -> FakeModel:
            calls.append(str(path))
            self.refuse = len(calls) == 1
            return super().__call__(path, expected_sha256)

    store = ModelStore(ModelSettings(cache_dir=tmp_path), loader=_RefuseFirst())
    downloaded: list[str] = []
    rv = RegistryVersion("ticket-priority", "4", "r", "ab" * 32)
    monkeypatch.setattr(store, "resolve", lambda: rv)
    monkeypatch.setattr(
        store, "_download", lambda v: downloaded.append(v.version) or tmp_path / "fresh"
    )
    assert store.refresh() is True
    assert downloaded == ["4"]
    assert store.current is not None
    assert store.current.path == tmp_path / "fresh"


def _alias_settings(tmp_path: Path, alias: str) -> ModelSettings:
    return ModelSettings(mlflow=MlflowSettings(champion_alias=alias), cache_dir=tmp_path)


def test_an_alias_the_registry_does_not_have_is_not_served_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _cache_version(tmp_path, "3")  # served earlier for champion
    store = ModelStore(_alias_settings(tmp_path, "nosuch"), loader=FakeModelLoader())

    def resolve() -> RegistryVersion:
        raise AliasNotSet(
            "registry 'sqlite:///m.db': cannot resolve x@nosuch: the alias is not set"
        )

    monkeypatch.setattr(store, "resolve", resolve)
    assert store.refresh() is False
    assert store.current is None  # answers from rules, reported as degraded
    assert "the alias is not set: point it at a version" in (store.problem or "")
    assert "TP_MODEL_ALIAS='nosuch'" in (store.problem or "")


def test_the_cache_remembers_the_last_version_per_alias(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _cache_version(tmp_path, "3")  # champion's pointer
    _cache_version(tmp_path, "4")
    (tmp_path / "ticket-priority" / pointer_file("champion")).write_text('{"version": "3"}')
    (tmp_path / "ticket-priority" / pointer_file("challenger")).write_text('{"version": "4"}')
    for alias, version in (("champion", "3"), ("challenger", "4")):
        store = ModelStore(_alias_settings(tmp_path, alias), loader=FakeModelLoader())
        monkeypatch.setattr(store, "resolve", lambda: (_ for _ in ()).throw(ModelNotReady("down")))
        assert store.refresh() is True
        assert store.current is not None
        assert (store.current.version, store.current.source) == (version, "cache")
