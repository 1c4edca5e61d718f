"""Error e-mails: what failed, why in plain words, what to do, and how to re-run it."""
