"""LNbits' own states turned into errors that tell the operator what to do.

The generic mapping (``http.classify``) would call a fresh install's redirect a plain HTTP 307
and retry a disabled node UI's 503 as if it were an outage; LNbits means something precise by
each, so these are checked first.
"""

from __future__ import annotations

import httpx

from lnpilot.backends.base import AuthenticationError, BackendError, CapabilityMissing, PermissionDenied
from lnpilot.backends.http import error_message


class LnbitsNotClaimed(AuthenticationError):
    """A fresh LNbits redirects every call to ``/first_install`` until its super user is created."""

    code = "lnbits-not-claimed"


class LnbitsNodeUiDisabled(BackendError):
    """The node API answers 503 until node management is switched on (``LNBITS_NODE_UI``)."""

    code = "lnbits-node-ui-disabled"


def lnbits_state_error(response: httpx.Response, what: str, base_url: str) -> BackendError | None:
    """The LNbits-specific error a non-2xx answer stands for, or None for the generic mapping."""
    status = response.status_code
    if status in (302, 303, 307, 308) and "first_install" in response.headers.get("location", ""):
        return LnbitsNotClaimed(
            f"{what}: LNbits is not set up yet (HTTP {status} to /first_install): create its super "
            f"user at {base_url}/first_install, or claim it with lnpilot's LnbitsBackend.claim_first_install"
        )
    if status in (301, 302, 303, 307, 308):
        return BackendError(f"{what}: HTTP {status} redirect to {response.headers.get('location', '?')}")
    message = error_message(response)
    if not what.startswith(("GET /node/", "PUT /node/", "POST /node/")):
        if what == "POST /api/v1/auth" and status == 401:
            return AuthenticationError(
                f"{what}: LNbits rejected LNBITS_USERNAME/LNBITS_PASSWORD (HTTP 401: {message})"
            )
        return None
    if status == 503:
        return LnbitsNodeUiDisabled(
            f"{what}: LNbits' node API is disabled (HTTP 503: {message}); switch on node management "
            "(LNBITS_NODE_UI=true, or Admin UI > Server > Node management)"
        )
    if status == 501:
        return CapabilityMissing(
            f"{what}: LNbits' funding source has no node API (HTTP 501: {message}); lnpilot needs LNbits "
            "in front of LND or Core Lightning for channels and fees"
        )
    if status == 403:
        return PermissionDenied(
            f"{what}: this LNbits user may not do that (HTTP 403: {message}); reading channels needs "
            "an admin, setting fees the super user"
        )
    return None
