"""Baselines for the benchmarks: aiohttp handlers that do only what the protocol needs.

Run: python -m tests.bench.bare_server PORT [PAGE_BYTES]

- POST /wecom/callback reads the body and answers 200 (callback ingest);
- POST /r/beacon reads the form and answers 204 (radar beacons);
- GET /r/{token} answers a page of PAGE_BYTES from memory (radar pages).
"""

import sys

from aiohttp import web


async def callback(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(status=200)


async def beacon(request: web.Request) -> web.Response:
    await request.post()
    return web.Response(status=204)


def main() -> None:
    page = b"<!doctype html>" + b" " * max(0, int(sys.argv[2] if len(sys.argv) > 2 else 0) - 15)

    async def radar_page(request: web.Request) -> web.Response:
        return web.Response(body=page, content_type="text/html")

    app = web.Application()
    app.router.add_post("/wecom/callback", callback)
    app.router.add_post("/r/beacon", beacon)
    app.router.add_get("/r/{token}", radar_page)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)


if __name__ == "__main__":
    main()
