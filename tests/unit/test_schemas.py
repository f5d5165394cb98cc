"""The committed JSON Schemas are exactly what the models export."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from camille.cli import app
from contracts.schemas import json_schemas


def test_committed_schemas_match_the_models(repo_root: Path) -> None:
    """`contracts/schemas/` has one file per published model, equal to its current schema."""
    committed = repo_root / "contracts" / "schemas"
    exported = json_schemas()
    assert sorted(p.stem for p in committed.glob("*.json")) == sorted(exported)
    for name, schema in exported.items():
        on_disk = json.loads((committed / f"{name}.json").read_text())
        assert on_disk == schema, f"{name}.json drifted: run `camille contracts export contracts/schemas`"


def test_export_command_writes_the_same_files(tmp_path: Path, repo_root: Path) -> None:
    """`camille contracts export DIR` writes byte-identical files to the committed ones."""
    result = CliRunner().invoke(app, ["contracts", "export", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for path in (repo_root / "contracts" / "schemas").glob("*.json"):
        assert (tmp_path / path.name).read_bytes() == path.read_bytes()
