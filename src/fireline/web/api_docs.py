"""``/docs``: the API reference, served from vendored Swagger UI (nothing loads from other sites)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from fireline import __version__

router = APIRouter(include_in_schema=False)

PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fireline {__version__} — API</title>
<link rel="stylesheet" href="/static/swagger/swagger-ui.css">
<script src="/static/swagger/swagger-ui-bundle.js" defer></script>
<script src="/static/api-docs.js" defer></script>
</head>
<body><div id="swagger-ui"></div></body>
</html>
"""


@router.get("/docs")
def docs() -> HTMLResponse:
    return HTMLResponse(PAGE)
