"""Audit sink settings (environment variables prefixed CAMILLE_)."""

from __future__ import annotations

from camille.settings import CommonSettings


class AuditSinkSettings(CommonSettings):
    pass
