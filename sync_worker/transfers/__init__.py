"""Transfers from Moment to PowerOffice Go: customers, projects, invoices, credit notes.

`runner` runs one message under the entity's lock and keeps the books (state, attempts,
retry or failure, error e-mail); `customers`, `projects` and `invoices` do the work of
each kind through the PowerOffice Go client, in steps that a re-run can resume.
"""
