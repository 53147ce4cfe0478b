"""The alert worker: story state, change rules and delivery.

Public interface (import from the modules, so that the offline path loads no broker):

- `offline.alerts_for(facts, settings)`: the alerts of ArticleFacts in memory, no Redis.
- `app.create_router(settings)` / `app.create_app(settings)`: the worker (facts -> alerts and
  receipts) and the webhook dispatcher (alerts -> subscribers).
- `tail.tail(settings, as_json=..., as_cap=..., group=..., out=...)`: `tocsin tail`.
- `api.create_api(settings)`: the read API (GET /stories, GET /stories/{id}), plain ASGI.
- `webhooks.register_subscriber / remove_subscriber / list_subscribers`, and
  `delivery.replay_dead_letters(redis, settings, subscriber_id)`.

Modules: rules.py (pure rules) severity.py (CAP mapping) stories.py (pure story grouping)
scripts.py (Lua) state.py (Redis) handlers.py delivery.py webhooks.py cap.py tail.py api.py.
"""
