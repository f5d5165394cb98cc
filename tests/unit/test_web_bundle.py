"""The committed call page is what web/ builds: same sources, the livekit-client the lock file pins, no stale copy.

`npm ci --ignore-scripts && npm run build` in web/ regenerates it byte for byte; these checks need no npm.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
STATIC = ROOT / "token_service" / "static"
BANNER = re.compile(r"^/\*! camille-web livekit-client=(\S+) esbuild=(\S+) inputs-sha256=([0-9a-f]{64}) \*/$")


def banner() -> tuple[str, str, str]:
    first_line = (STATIC / "camille.js").read_text(encoding="utf-8").split("\n", 1)[0]
    match = BANNER.match(first_line)
    assert match, f"camille.js does not start with the build banner: {first_line[:120]!r}"
    livekit, esbuild, digest = match.groups()
    return livekit, esbuild, digest


def locked(name: str) -> str:
    version: str = json.loads((WEB / "package-lock.json").read_text())["packages"][f"node_modules/{name}"]["version"]
    return version


def inputs_digest() -> str:
    """build.mjs's digest: sha256 over each input as "<path>\\n<byte length>\\n<bytes>", in path order."""
    paths = ["build.mjs", "package.json", "package-lock.json", *(f"src/{p.name}" for p in (WEB / "src").iterdir())]
    digest = hashlib.sha256()
    for path in sorted(paths):
        data = (WEB / path).read_bytes()
        digest.update(f"{path}\n{len(data)}\n".encode())
        digest.update(data)
    return digest.hexdigest()


def test_bundle_was_built_with_the_locked_livekit_client_and_esbuild() -> None:
    """The bundle records the livekit-client and esbuild versions that package-lock.json pins, and package.json pins
    them exactly."""
    livekit, esbuild, _ = banner()
    assert livekit == locked("livekit-client")
    assert esbuild == locked("esbuild")
    manifest = json.loads((WEB / "package.json").read_text())
    assert manifest["dependencies"]["livekit-client"] == livekit
    assert manifest["devDependencies"]["esbuild"] == esbuild


def test_bundle_was_built_from_the_current_sources() -> None:
    """The digest of web/'s build inputs recorded in the bundle matches the files committed now (edit, then build)."""
    assert banner()[2] == inputs_digest(), "web/ changed since the bundle was built: cd web && npm run build"


def test_third_party_notices_name_every_bundled_package() -> None:
    """Every runtime npm package (not the build tools) has its licence in THIRD-PARTY-NOTICES.txt."""
    notices = (STATIC / "THIRD-PARTY-NOTICES.txt").read_text(encoding="utf-8")
    packages = json.loads((WEB / "package-lock.json").read_text())["packages"]
    shipped = {
        path.removeprefix("node_modules/"): entry for path, entry in packages.items() if path and not entry.get("dev")
    }
    assert "livekit-client" in shipped and "esbuild" not in shipped
    for name, entry in shipped.items():
        assert f"{name} {entry['version']} (" in notices, name
