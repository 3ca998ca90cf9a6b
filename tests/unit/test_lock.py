"""requirements.lock, what the Docker image installs, agrees with pyproject and the Dockerfile,
and installs on both x86_64 and aarch64 Linux (pylock.toml, the same resolution, names each
hashed file)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")
HASH = re.compile(r"--hash=sha256:([0-9a-f]{64})")
MACHINES = ("x86_64", "aarch64")
PYTHON = (3, 11)  # the image's (python:3.11-slim, Debian 12: glibc 2.36)
GLIBC_MINOR = 36


@dataclass
class Pin:
    version: Version
    marker: Marker | None = None
    hashes: list[str] = field(default_factory=list)


def _environment(machine: str) -> dict[str, str]:
    """The image's marker environment on `machine`."""
    return {
        "implementation_name": "cpython",
        "implementation_version": "3.11.14",
        "os_name": "posix",
        "platform_machine": machine,
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_system": "Linux",
        "platform_version": "",
        "python_full_version": "3.11.14",
        "python_version": "3.11",
        "sys_platform": "linux",
    }


def _applies(marker: Marker | str | None, machine: str) -> bool:
    if marker is None:
        return True
    return (Marker(marker) if isinstance(marker, str) else marker).evaluate(_environment(machine))


def _pins() -> list[tuple[str, Pin]]:
    pins: list[tuple[str, Pin]] = []
    current: Pin | None = None
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        found = PIN.match(line)
        if found:
            marker = Marker(found.group(3)) if found.group(3) else None
            current = Pin(Version(found.group(2)), marker)
            pins.append((canonicalize_name(found.group(1)), current))
        elif current is not None:
            current.hashes.extend(HASH.findall(line))
    return pins


def _lock(machine: str = "x86_64") -> dict[str, Pin]:
    """The pins pip installs in the image on `machine` (their markers evaluated)."""
    chosen: dict[str, Pin] = {}
    for name, pin in _pins():
        if _applies(pin.marker, machine):
            assert name not in chosen, f"requirements.lock pins {name} twice for {machine}"
            chosen[name] = pin
    return chosen


def _pylock(machine: str) -> dict[str, dict[str, object]]:
    packages = tomllib.loads((ROOT / "pylock.toml").read_text())["packages"]
    return {canonicalize_name(p["name"]): p for p in packages if _applies(p.get("marker"), machine)}


def _supported_tags(machine: str) -> set[Tag]:
    """The wheel tags pip accepts on the image's CPython 3.11 and glibc on `machine`."""
    platforms = [f"manylinux_2_{minor}_{machine}" for minor in range(GLIBC_MINOR, 16, -1)]
    platforms.append(f"manylinux2014_{machine}")
    return {
        *cpython_tags(PYTHON, platforms=platforms),
        *compatible_tags(PYTHON, "cp311", platforms=platforms),
    }


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
    assert f"--universal --python-version {image.group(1)}" in makefile
    assert "--python-platform" not in makefile  # one platform's resolution is not enough


def test_the_lock_pins_the_same_versions_on_x86_64_and_aarch64() -> None:
    versions = {m: {n: p.version for n, p in _lock(m).items()} for m in MACHINES}
    assert versions["x86_64"] == versions["aarch64"]


@pytest.mark.parametrize("machine", MACHINES)
def test_pylock_is_the_same_resolution_as_requirements_lock(machine: str) -> None:
    pylock = {name: Version(str(p["version"])) for name, p in _pylock(machine).items()}
    assert pylock == {name: pin.version for name, pin in _lock(machine).items()}, (
        "requirements.lock and pylock.toml disagree; run `make lock`"
    )


@pytest.mark.parametrize("machine", MACHINES)
def test_every_locked_package_has_a_hashed_wheel_for_python_3_11_on(machine: str) -> None:
    """pip in python:3.11-slim on `machine` finds a wheel whose hash the lock holds (no
    source build, which --require-hashes and the slim image's missing compilers would fail)."""
    supported = _supported_tags(machine)
    pins = _lock(machine)
    missing: list[str] = []
    for name, package in _pylock(machine).items():
        wheels = package.get("wheels", [])
        assert isinstance(wheels, list)
        usable = [
            wheel["hashes"]["sha256"]
            for wheel in wheels
            if parse_wheel_filename(str(wheel["url"]).rsplit("/", 1)[-1])[3] & supported
        ]
        if not usable:
            missing.append(f"{name}=={package['version']}: no wheel")
        elif not set(usable) <= set(pins[name].hashes):
            missing.append(f"{name}=={package['version']}: wheel hash not in requirements.lock")
    assert missing == [], f"on {machine} Linux, Python 3.11: {missing}"
