"""The OpenAPI 3.1 document of /api/v1, generated from the same table that registers the routes."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sidebar_web.api.endpoints import ENDPOINTS

_ERROR = {
    "type": "object",
    "properties": {
        "error": {"type": "string"},
        "status": {"type": "integer"},
        "param": {"type": "string", "description": "the query parameter at fault (400 only)"},
        "message": {"type": "string", "description": "the refusal in Chinese, for people (400 only)"},
    },
}

_RESPONSES = {
    "200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}},
    "400": {"description": "A bad query parameter, named in `param`", "$ref": "#/components/responses/Error"},
    "401": {"description": "Not logged in and no valid API token", "$ref": "#/components/responses/Error"},
}


def build(server_url: str = "/") -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for path, view, params, summary in ENDPOINTS:
        parameters = [p.openapi() for p in params]
        if "{external_userid}" in path:
            parameters.insert(
                0, {"name": "external_userid", "in": "path", "required": True, "schema": {"type": "string"}}
            )
        responses = dict(_RESPONSES)
        if "{external_userid}" in path:
            responses["404"] = {
                "description": "No such customer in the caller's scope",
                "$ref": "#/components/responses/Error",
            }
        paths["/api/v1" + path] = {
            "get": {
                "operationId": view.__name__,
                "summary": summary,
                "description": (view.__doc__ or "").strip(),
                "parameters": parameters,
                "responses": responses,
            }
        }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "SCRM read API",
            "version": "1",
            "description": "The customer mirror as JSON. Every customer read is limited to the caller's "
            "scope: an admin or API token sees every customer, a department admin the customers of the "
            "direct members of the departments they manage, staff their own. A customer outside the scope "
            "answers 404.",
        },
        "servers": [{"url": server_url}],
        "security": [{"session": []}, {"token": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "scrm_session"},
                "token": {"type": "http", "scheme": "bearer"},
            },
            "responses": {
                "Error": {"description": "Error", "content": {"application/json": {"schema": _ERROR}}}
            },
        },
    }


async def document(request: web.Request) -> web.Response:
    return web.json_response(build())
