"""Serving public status responses from the process's PublicCache: conditional GETs (304 on a
matching ETag or an unchanged Last-Modified), and caching headers that let browsers and CDNs
absorb a flood of readers (a short max-age, then stale-while-revalidate), and gzip for clients
that accept it (compressed once per change by the cache).

    @router.get("/api/v2/status.json")
    def status_json(request: Request) -> Response:
        return respond(request, ("status.json",), JSON, lambda snap: to_json(...))
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from fastapi.responses import Response

from warroom.statuspage.cache import PublicCache
from warroom.statuspage.snapshot import Snapshot

JSON = "application/json"
HTML = "text/html; charset=utf-8"
MAX_AGE = 10
STALE_WHILE_REVALIDATE = 60
# Public pages use no inline script or style either; the page may be embedded by no one.
PUBLIC_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: https:; frame-ancestors 'none'; "
                               "form-action 'self'; base-uri 'none'; object-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def public_cache(request: Request) -> PublicCache:
    """The web process's cache (one per application, created on first use)."""
    state = request.app.state
    cache = getattr(state, "status_cache", None)
    if cache is None:
        cache = state.status_cache = PublicCache(state.runtime)
    return cache


def respond(request: Request, key: tuple, media_type: str, render: Callable[[Snapshot], bytes | str],
            *, cors: bool = False) -> Response:
    entry = public_cache(request).rendered(key, media_type, render)
    headers = {"ETag": entry.etag, "Last-Modified": entry.last_modified_header,
               "Cache-Control": f"public, max-age={MAX_AGE}, stale-while-revalidate={STALE_WHILE_REVALIDATE}",
               "Vary": "Accept-Encoding", **PUBLIC_HEADERS}
    if cors:  # Statuspage's JSON is readable from any site's scripts; it holds nothing private
        headers["Access-Control-Allow-Origin"] = "*"
    if entry.not_modified(request.headers.get("if-none-match"), request.headers.get("if-modified-since")):
        return Response(status_code=304, headers=headers)
    if entry.gzipped is not None and _accepts_gzip(request.headers.get("accept-encoding", "")):
        headers["Content-Encoding"], headers["ETag"] = "gzip", entry.gzip_etag
        return Response(content=entry.gzipped, media_type=entry.media_type, headers=headers)
    return Response(content=entry.body, media_type=entry.media_type, headers=headers)


def _accepts_gzip(accept_encoding: str) -> bool:
    for part in accept_encoding.lower().split(","):
        name, _, params = part.strip().partition(";")
        if name.strip() in ("gzip", "*"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False
