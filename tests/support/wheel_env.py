"""A clean venv holding a built wheel and exactly its declared dependencies, made
without the network: the dependencies are the ones this test run's venv already has
installed (the pinned, hash-checked versions of requirements.lock), linked in one
distribution at a time.

Installing the wheel with pip from the index took ~25 of the packaging test's 28 s
(resolving and downloading ~70 distributions). What the test proves is unchanged:
only the wheel's own files and the distributions its ``Requires-Dist`` names
(followed transitively, markers and extras evaluated as pip does) are importable,
so a module left out of the wheel or a dependency left out of its metadata still
fails the import; and ``pip check`` in the new venv now also says every declared
requirement is met by a version it accepts."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


def wheel_requirements(wheel: Path) -> list[Requirement]:
    """The ``Requires-Dist`` lines of ``wheel``'s metadata."""
    with zipfile.ZipFile(wheel) as archive:
        (name,) = (n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        text = archive.read(name).decode()
    return [
        Requirement(line.split(":", 1)[1].strip())
        for line in text.splitlines()
        if line.startswith("Requires-Dist:")
    ]


def _applies(requirement: Requirement, extras: set[str]) -> bool:
    if requirement.marker is None:
        return True
    # The running interpreter's environment, with ``extra`` set as pip sets it.
    return any(requirement.marker.evaluate({"extra": extra}) for extra in extras | {""})


def dependency_closure(requirements: list[Requirement]) -> list[metadata.Distribution]:
    """The installed distributions ``requirements`` need, transitively, as pip would
    install them without extras; fails if one is missing or of a version refused."""
    found: dict[str, metadata.Distribution] = {}
    extras_seen: dict[str, set[str]] = {}
    todo = [(r, set[str]()) for r in requirements]
    while todo:
        requirement, wanted_by = todo.pop()
        if not _applies(requirement, wanted_by):
            continue
        key = canonicalize_name(requirement.name)
        distribution = metadata.distribution(requirement.name)
        version = distribution.version
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{requirement} is not met by the installed {requirement.name} {version}"
        )
        known = extras_seen.setdefault(key, set())
        if key in found and set(requirement.extras) <= known:
            continue
        found[key] = distribution
        known |= set(requirement.extras)
        todo += [(Requirement(line), set(known)) for line in distribution.requires or ()]
    return list(found.values())


def _top_level_entries(distribution: metadata.Distribution) -> set[str]:
    """What ``distribution`` put directly in site-packages (packages, modules, its
    .dist-info, data folders such as ``numpy.libs``); scripts in bin/ are left out."""
    entries = set()
    for file in distribution.files or ():
        first = file.parts[0]
        if first not in ("..", "__pycache__") and not first.endswith(".pth"):
            entries.add(first)
    return entries


def make_clean_venv(env_dir: Path, wheel: Path) -> Path:
    """A venv at ``env_dir`` with ``wheel`` installed by pip (its console scripts
    included) and its dependency closure linked in; returns its interpreter."""
    venv.EnvBuilder(with_pip=False, symlinks=True).create(env_dir)
    python = env_dir / "bin" / "python"
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site_packages = env_dir / "lib" / version / "site-packages"
    for distribution in dependency_closure(wheel_requirements(wheel)):
        source = Path(str(distribution.locate_file("")))
        for entry in _top_level_entries(distribution):
            link = site_packages / entry
            if not link.exists():  # a namespace folder two distributions share
                link.symlink_to(source / entry)
    pip = [sys.executable, "-m", "pip", "--python", str(python)]
    quiet = ["-q", "--disable-pip-version-check"]
    subprocess.run(
        [*pip, "install", *quiet, "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    checked = subprocess.run([*pip, "check"], check=False, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    return python
