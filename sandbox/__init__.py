"""What stands in for the world around sync-worker, for tests, the demo and the benchmarks:
PowerOffice Go's simulator (`simulator/`), Moment's sample data (`sample_data.py`) and the
embedded demo (`demo/`). Nothing in `sync_worker/` imports it; production never runs it."""
