"""Loading the clinic file."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from contracts.clinic import ClinicProfile


class ClinicFileError(ValueError):
    """The clinic file is missing, not YAML, or fails validation (the message names the fields)."""


def load_clinic(path: Path) -> ClinicProfile:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ClinicFileError(f"cannot read clinic file {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ClinicFileError(f"clinic file {path} is not valid YAML: {exc}") from None
    try:
        return ClinicProfile.model_validate(data)
    except ValidationError as exc:
        raise ClinicFileError(f"clinic file {path} is invalid:\n{exc}") from None
