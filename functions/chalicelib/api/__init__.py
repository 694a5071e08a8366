"""The entry points: the HTTP routes (Chalice blueprints), request bodies, the OpenAPI document,
the app with its per-thread request, and the stream and schedule handlers."""
