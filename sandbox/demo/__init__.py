"""`make demo`: the whole pipeline on embedded defaults, and what it did.

Everything runs in one process, over real sockets: SQLite for the database, Celery's
in-memory broker with a real worker (threads), an in-process Redis (fakeredis) for tokens
and the rate limit, the PowerOffice Go simulator on a free port, and an SMTP server that
keeps the error e-mails. Two Moment companies publish customers, projects, a couple of
hundred invoices with real PDFs, credit notes, and a few bad messages; the demo prints
what landed in PowerOffice Go, what failed and why, and the e-mails that went out.

`__main__` sets the environment first (the Celery app reads its settings on import);
`scenario` builds the messages; `run` drives the pipeline; `report` prints.
"""
