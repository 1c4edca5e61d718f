"""The HTTP door for producers that are not Python: `app` (the WSGI application and its
handlers), `auth` (tenants' bearer tokens, stored hashed), `openapi` (the document served
at /v1/openapi.json), `views` (the answers' JSON, pure), `store` (the door's own
queries), `limits`, and `wsgi` (the entry point for gunicorn). docs/http-api.md."""
