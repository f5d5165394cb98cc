"""Reference scheduling API settings (environment variables prefixed CAMILLE_)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr

from runtime.settings import CommonSettings, Environment, given


class ReferenceSettings(CommonSettings):
    connects_to_nats: ClassVar[bool] = False
    reference_db_url: str | None = Field(
        default=None,
        description="postgresql://... or sqlite:///path. Unset: SQLite file scheduling.sqlite3 in the data dir.",
    )
    webhook_secret: SecretStr | None = Field(
        default=None, description="Standard Webhooks secret (whsec_...). Unset in development: the data dir's."
    )
    reference_admin: bool | None = Field(
        default=None,
        description="Staging endpoints under /admin (close a day, inject failures). Default: on outside production.",
    )

    @property
    def admin_enabled(self) -> bool:
        return self.reference_admin if self.reference_admin is not None else self.env is not Environment.PRODUCTION

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        problems = [p for p in problems if not p.startswith("NATS_URL")]  # this service does not use NATS
        if not given(self.webhook_secret):
            problems.append("CAMILLE_WEBHOOK_SECRET is required in production")
        if not (self.reference_db_url or "").strip().lower().startswith("postgres"):
            problems.append(
                "CAMILLE_REFERENCE_DB_URL must name a PostgreSQL database in production (no SQLite file in a container)"
            )
        if self.reference_admin:
            problems.append("CAMILLE_REFERENCE_ADMIN must be off in production")
        return problems
