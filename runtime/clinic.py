"""Loading and checking the clinic file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from contracts.clinic import ClinicProfile


class ClinicFileError(ValueError):
    """The clinic file is missing, not YAML, or fails validation: `problems` lists each, by field."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        super().__init__(f"clinic file {path} is invalid:\n- " + "\n- ".join(problems))
        self.problems = problems


def load_clinic(path: Path) -> ClinicProfile:
    """The validated clinic profile, or ClinicFileError naming every problem."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ClinicFileError(path, [f"cannot read the file: {exc.strerror}"]) from None
    except yaml.YAMLError as exc:
        raise ClinicFileError(path, [f"not valid YAML: {exc}"]) from None
    try:
        return ClinicProfile.model_validate(data)
    except ValidationError as exc:
        raise ClinicFileError(path, [line for error in exc.errors() for line in _problems(error)]) from None


def _problems(error: Any) -> list[str]:
    """One line per problem: the field path and what is wrong (a country check may report several at once)."""
    if error["type"] == "clinic_country":
        return list(error["ctx"]["problems"])
    where = ".".join(str(part) for part in error["loc"]) or "(file)"
    return [f"{where}: {error['msg']}"]
