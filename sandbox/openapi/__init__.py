"""PowerOffice Go's published v2 OpenAPI as the judge of the wire.

`poweroffice-go-v2.json` holds the structural facts of the spec this project uses
(extracted by scripts/extract_openapi.py, with the source commit). The tests check every
request the client makes against it, and the simulator refuses what it refuses.
"""

from sandbox.openapi.validator import OUTSIDE_SPEC, validate_request, validate_response

__all__ = ["OUTSIDE_SPEC", "validate_request", "validate_response"]
