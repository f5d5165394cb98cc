"""What ships: the production wheel and the image hold the production packages and nothing of the offline kit."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "contracts",
    "runtime",
    "voice_worker",
    "tool_runner",
    "audit_sink",
    "scheduling_api",
    "token_service",
    "camille",
}
DEVELOPMENT = {"offline_kit", "tests"}


def dockerfile_sources() -> list[str]:
    """What the Dockerfile's build stage copies from the checkout."""
    sources: list[str] = []
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if match := re.match(r"COPY (?!--from)(.+) \S+$", line.strip()):
            sources += match.group(1).split()
    return sources


def test_the_dockerfile_copies_only_production_packages() -> None:
    """Every folder the Dockerfile copies is a production package, and every production package is copied."""
    assert {source for source in dockerfile_sources() if (ROOT / source).is_dir()} == PRODUCTION


@pytest.mark.timeout(300)
def test_the_built_wheel_holds_no_development_module(tmp_path: Path) -> None:
    """The wheel built from what the Dockerfile copies holds the production packages only: no kit, no tests."""
    source = tmp_path / "src"
    source.mkdir()
    for name in dockerfile_sources():
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(ROOT / name, source / name)
    wheel_dir = tmp_path / "wheel"
    build = [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation", "-q"]
    subprocess.run([*build, "-w", str(wheel_dir)], check=True, capture_output=True, timeout=280, cwd=tmp_path)
    (wheel,) = wheel_dir.glob("camille-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names if not name.split("/")[0].endswith((".dist-info", ".data"))}
    assert top == PRODUCTION
    assert not any(part in DEVELOPMENT for name in names for part in Path(name).parts)
    # Package data the services read at run time is there.
    assert "runtime/clinics/fillion.yaml" in names
    assert "voice_worker/emergency/weights.npz" in names
    assert any(name.startswith("audit_sink/migrations/") for name in names)
    assert any(name.startswith("scheduling_api/migrations/") for name in names)
    assert {"token_service/static/index.html", "token_service/static/camille.js"} <= set(names)
