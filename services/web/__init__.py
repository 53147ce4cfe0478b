"""The story dashboard: a live web page of every story's figures, measures and alerts.

Public interface: `app.create_web_app(settings, redis=None)` (a Starlette app; `tocsin web`
serves it) and `app.app_from_env()` for an ASGI server's factory mode.

It reads what the alert worker keeps in Redis (through `services.alert.state.RedisStories`,
read-only) and follows the alerts stream with XREAD for its Server-Sent Events; it writes
nothing. Modules: board.py (pure view of a story) charts.py (pure SVG) labels.py (the page's
words) live.py (SSE) pages.py (routes) app.py (wiring); templates/ and static/ ship with it.
"""
