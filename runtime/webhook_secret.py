"""The webhook signing secret: a real one from settings, or in development one generated once in the data dir.

The tool runner and the reference scheduling API call the same function, so both sides agree without any setup.
"""

from __future__ import annotations

import base64
import os
import secrets
import time
from pathlib import Path

from pydantic import SecretStr

DEV_SECRET_FILE = "webhook-secret"


def development_webhook_secret(data_dir: Path) -> str:
    """Read, or create exactly once (O_EXCL, mode 0600), the development signing secret under data_dir."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / DEV_SECRET_FILE
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process may be writing it right now
            if text := path.read_text().strip():
                return text
            time.sleep(0.01)
        raise RuntimeError(f"{path} is empty") from None
    with os.fdopen(fd, "w") as handle:
        handle.write(secret)
    return secret


def webhook_secret(configured: SecretStr | None, data_dir: Path) -> str:
    return configured.get_secret_value() if configured is not None else development_webhook_secret(data_dir)
