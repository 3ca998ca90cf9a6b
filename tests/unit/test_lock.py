"""requirements.lock, what the Docker image installs, agrees with pyproject and the Dockerfile."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}")


@dataclass
class Pin:
    version: Version
    hashes: list[str] = field(default_factory=list)


def _lock() -> dict[str, Pin]:
    pins: dict[str, Pin] = {}
    current: Pin | None = None
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        found = PIN.match(line)
        if found:
            current = Pin(Version(found.group(2)))
            pins[canonicalize_name(found.group(1))] = current
        elif current is not None:
            current.hashes.extend(HASH.findall(line))
    return pins


def _pyproject() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _requirements(key: str) -> list[Requirement]:
    project = _pyproject()
    table = project["project"] if key == "dependencies" else project["build-system"]
    assert isinstance(table, dict)
    return [Requirement(text) for text in table[key]]


def _dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def test_every_runtime_dependency_is_pinned_within_its_range() -> None:
    pins = _lock()
    for requirement in _requirements("dependencies"):
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not in requirements.lock; run `make lock`"
        assert requirement.specifier.contains(pins[name].version, prereleases=True), (
            f"requirements.lock pins {name}=={pins[name].version}, outside {requirement}; "
            "run `make lock`"
        )


def test_every_pin_has_a_hash_so_pip_can_require_them() -> None:
    pins = _lock()
    assert len(pins) > 50  # the whole tree, not only the direct dependencies
    assert [name for name, pin in pins.items() if not pin.hashes] == []


def test_the_image_builds_with_locked_pip_and_setuptools() -> None:
    pins = _lock()
    assert "pip" in pins
    for requirement in _requirements("requires"):
        name = canonicalize_name(requirement.name)
        assert requirement.specifier.contains(pins[name].version), requirement


def test_the_dockerfile_installs_the_lock_and_nothing_else() -> None:
    text = _dockerfile()
    assert "pip install --require-hashes -r requirements.lock" in text
    installs = re.findall(r"pip install[^\n&]*", text)
    assert len(installs) == 2, installs
    assert "--no-deps" in installs[1], "the project itself must not pull unlocked packages"
    assert "--no-build-isolation" in installs[1], "build with the locked setuptools"


def test_the_lock_is_made_for_the_images_python() -> None:
    image = re.search(r"^FROM python:(\d+\.\d+)-slim", _dockerfile(), flags=re.MULTILINE)
    assert image is not None
    makefile = (ROOT / "Makefile").read_text()
    assert f"--python-version {image.group(1)} --python-platform linux" in makefile
