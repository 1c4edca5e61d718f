"""Celery tasks, one module per kind of work. Each task is thin: it takes ids, and calls
the library in `sync_worker/` that does the work."""
