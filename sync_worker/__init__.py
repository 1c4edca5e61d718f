"""sync-worker: keeps PowerOffice Go in step with Moment."""

__version__ = "0.1.0"
