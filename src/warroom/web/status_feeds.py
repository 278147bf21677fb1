"""The public page's feeds and badge: /status/feed.atom, /status/feed.rss and /status/badge.svg.

Rendered from the process's cache of the public page (warroom.web.status_http): one render per
change however many readers, with ETag, Last-Modified and 304 answers for feed readers that
revalidate.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from warroom.statuspage import badge, feeds
from warroom.web.status_http import respond

router = APIRouter(include_in_schema=False)
GET = ["GET", "HEAD"]  # uptime monitors and badge proxies probe with HEAD
ATOM = "application/atom+xml; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
SVG = "image/svg+xml; charset=utf-8"
CACHE_KEY = "status/feeds"  # first part of every cache key here: the page's own routes use others


@router.api_route(f"/status/{feeds.ATOM_PATH}", methods=GET)
def atom_feed(request: Request) -> Response:
    return respond(request, (CACHE_KEY, "atom"), ATOM, feeds.atom)


@router.api_route(f"/status/{feeds.RSS_PATH}", methods=GET)
def rss_feed(request: Request) -> Response:
    return respond(request, (CACHE_KEY, "rss"), RSS, feeds.rss)


@router.api_route("/status/badge.svg", methods=GET)
def status_badge(request: Request) -> Response:
    return respond(request, (CACHE_KEY, "badge"), SVG, badge.svg)
