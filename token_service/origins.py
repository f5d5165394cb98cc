"""Which pages may ask for a token: the service's own, and the origins CAMILLE_WEB_ORIGINS lists."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class OriginPolicy:
    allowed: frozenset[str]

    def permits(self, origin: str | None, host: str | None) -> bool:
        """A request without an Origin header does not come from a web page (browsers send one on every POST), so the
        rate limit alone applies to it; a page's request passes when the page is ours (same host) or listed."""
        if origin is None:
            return True
        if origin.lower() in self.allowed:
            return True
        parts = urlsplit(origin)
        return bool(host) and parts.scheme in {"http", "https"} and parts.netloc.lower() == (host or "").lower()
