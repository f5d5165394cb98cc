"""HTTP: the call page at `/`, `POST /api/token`, and `/healthz`. Every error is JSON: `{"error", "message"}`."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from opentelemetry import metrics
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.base import RequestResponseEndpoint
from starlette.middleware.gzip import GZipMiddleware

from token_service.limits import RateLimiter
from token_service.origins import OriginPolicy
from token_service.tokens import TokenIssuer

STATIC_DIR = Path(__file__).parent / "static"
log = logging.getLogger(__name__)


class TokenResponse(BaseModel):
    url: str = Field(description="The LiveKit server URL to connect to.")
    token: str = Field(description="The access token (JWT) for this call's room; valid for a few minutes.")
    room: str = Field(description="The room created for this call.")


class ErrorBody(BaseModel):
    error: str = Field(description="origin_not_allowed, rate_limited, not_found, method_not_allowed, ...")
    message: str


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(ErrorBody(error=code, message=message).model_dump(), status_code=status, headers=headers)


def page_headers(livekit_url: str) -> dict[str, str]:
    """The page may talk to this service and to the LiveKit server only, use the microphone, and not be framed."""
    parts = urlsplit(livekit_url)
    secure = parts.scheme in {"wss", "https"}
    livekit = f"{'wss' if secure else 'ws'}://{parts.netloc} {'https' if secure else 'http'}://{parts.netloc}"
    return {
        "Content-Security-Policy": (
            f"default-src 'self'; connect-src 'self' {livekit}; img-src 'self' data:; media-src 'self' blob:; "
            "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Permissions-Policy": "microphone=(self), camera=(), geolocation=()",
    }


def create_app(issuer: TokenIssuer, origins: OriginPolicy, limiter: RateLimiter) -> FastAPI:
    app = FastAPI(title="Camille token service", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    security = page_headers(issuer.livekit_url)

    @app.middleware("http")
    async def secure_headers(request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        response.headers.update(security)
        return response

    outcomes = metrics.get_meter("camille.token_service").create_counter(
        "camille.web.token_requests", description="Token requests by outcome (issued, origin_refused, rate_limited)."
    )

    def cors(request: Request) -> dict[str, str]:
        origin = request.headers.get("origin")
        if origin and origin.lower() in origins.allowed:  # another site's page, listed: let its script read the answer
            return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
        return {"Vary": "Origin"}

    def refused(request: Request) -> JSONResponse | None:
        if not origins.permits(request.headers.get("origin"), request.headers.get("host")):
            outcomes.add(1, {"outcome": "origin_refused"})
            return error(403, "origin_not_allowed", "This page's origin may not request call tokens.")
        return None

    @app.post("/api/token")
    async def token(request: Request) -> JSONResponse:
        if (refusal := refused(request)) is not None:
            return refusal
        client = request.client.host if request.client else "unknown"
        if (wait_s := limiter.take(client)) is not None:
            outcomes.add(1, {"outcome": "rate_limited"})
            headers = {"Retry-After": str(wait_s), **cors(request)}
            return error(429, "rate_limited", f"Too many calls from this address; retry in {wait_s} s.", headers)
        grant = issuer.issue()
        outcomes.add(1, {"outcome": "issued"})
        log.info("call token issued for room %s", grant.room)
        body = TokenResponse(url=grant.url, token=grant.token, room=grant.room).model_dump()
        return JSONResponse(body, headers={"Cache-Control": "no-store", **cors(request)})

    @app.options("/api/token")
    async def preflight(request: Request) -> Response:
        if (refusal := refused(request)) is not None:
            return refusal
        headers = {
            **cors(request),
            "Access-Control-Allow-Methods": "POST",
            "Access-Control-Allow-Headers": "Content-Type",
            "Access-Control-Max-Age": "600",
        }
        return Response(status_code=204, headers=headers)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return error(exc.status_code, code, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def crashed(_request: Request, exc: Exception) -> JSONResponse:
        log.error("token service error: %s", type(exc).__name__)
        return error(500, "internal", "Internal error.")

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, _exc: RequestValidationError) -> JSONResponse:
        return error(422, "invalid_request", "The request could not be read.")

    app.mount("/", StaticFiles(directory=STATIC_DIR, html=True), name="page")
    return app
