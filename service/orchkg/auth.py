"""Who may write: one bearer token, configured or not.

Writes (SPARQL Update, Graph Store writes) are off unless ``update_token`` is set;
then each write must carry ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import hmac

from flask import request

from orchkg.app import services
from orchkg.errors import ForbiddenError, UnauthorisedError


def authorise_write() -> None:
    """Raise unless this request may write (401 without a credential, 403 with a bad one)."""
    token = services().settings.update_token
    if not token:
        raise ForbiddenError("updates are off on this server (no update_token is configured)")
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given:
        raise UnauthorisedError("updates need an 'Authorization: Bearer <token>' header")
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise ForbiddenError("the bearer token is not valid for updates")
