"""Configuration: settings from the environment, Celery configuration, beat schedule."""
