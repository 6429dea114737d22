"""The baseline for the ingest benchmark: an aiohttp handler that only reads the body and answers 200."""

import sys

from aiohttp import web


async def callback(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(status=200)


def main() -> None:
    app = web.Application()
    app.router.add_post("/wecom/callback", callback)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)


if __name__ == "__main__":
    main()
