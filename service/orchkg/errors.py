"""The one exception tree of orchkg.

Every error the service or the CLI reports on purpose is an ``OrchkgError``. Each
class carries the HTTP status it becomes; the web layer turns them into one error
body in one place, and the CLI into a one-line message and a nonzero exit.

    OrchkgError (500)
    ├── ConfigurationError (500)      bad settings, missing content, bad query files
    ├── ClientError (400)             the request or the input is wrong
    │   ├── RdfSyntaxError (400)      RDF input that does not parse (file, line, column)
    │   ├── QuerySyntaxError (400)    SPARQL that does not parse (line, column)
    │   ├── UnknownFormatError (400)  a format name or file extension we do not know
    │   ├── UnauthorisedError (401)        a write without a valid credential
    │   ├── ForbiddenError (403)      refused by policy (federation, LOAD, updates off)
    │   ├── NotFoundError (404)       an unknown graph, file or resource
    │   ├── MethodNotAllowedError (405)    carries the allowed methods
    │   ├── NotAcceptableError (406)       nothing the client accepts can be produced
    │   ├── PayloadTooLargeError (413)     a body over the limit
    │   ├── ResultTooLargeError (413)      a result over the limit (never cut short silently)
    │   └── UnsupportedMediaTypeError (415)
    ├── UpstreamError (502)                a SERVICE or LOAD source, or the remote store, failed
    │   └── UpstreamTimeoutError (504)     ... or did not answer in full in time
    │       └── FederationTimeoutError (504)  a SERVICE call ran past federation_timeout
    ├── OverloadedError (503)              too many evaluations at once; retry later
    ├── QueryTimeoutError (503)            the query ran past its deadline and was stopped
    ├── QueryMemoryError (503)             the query needed more memory than a worker may hold
    ├── StoreError (500)              the store could not do what was asked
    └── RemoteError (502)             orchkg.client: a server did not give an answer
        ├── RemoteUnreachableError (502)        no connection (refused, no such host, reset)
        ├── RemoteTimeoutError (504)            no answer within the client's timeout
        └── RemoteStatusError              the server answered an error status, its message kept
            ├── RemoteBadRequestError (400)
            ├── RemoteUnauthorisedError (401)
            ├── RemoteForbiddenError (403)
            ├── RemoteNotFoundError (404)
            ├── RemoteNotAcceptableError (406)
            ├── RemoteTooLargeError (413)
            ├── RemoteServerError (500)
            ├── RemoteBadGatewayError (502)
            ├── RemoteUnavailableError (503)
            └── RemoteGatewayTimeoutError (504)

The ``Remote*`` branch is what ``orchkg.client`` raises about another server's answer;
the server itself never raises it. A ``RemoteStatusError`` carries the status the server
answered (``status``), its message (``message``) and the URL asked (``url``).
"""

from __future__ import annotations


class OrchkgError(Exception):
    """Base of every error orchkg raises on purpose."""

    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigurationError(OrchkgError):
    """Settings, content folders or query files are not usable."""


class ClientError(OrchkgError):
    """The caller sent something wrong; the message says what and where."""

    status = 400


class RdfSyntaxError(ClientError):
    """RDF input that does not parse."""

    def __init__(
        self, message: str, *, source: str, line: int | None = None, column: int | None = None
    ) -> None:
        where = source
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {message}")
        self.source = source
        self.line = line
        self.column = column


class QuerySyntaxError(ClientError):
    """SPARQL text that does not parse."""


class UnknownFormatError(ClientError):
    """A format name, media type or file extension that orchkg does not handle."""


class UnauthorisedError(ClientError):
    """A write without a valid credential."""

    status = 401


class ForbiddenError(ClientError):
    """Refused by policy."""

    status = 403


class MethodNotAllowedError(ClientError):
    """The route exists but not for this method."""

    status = 405

    def __init__(self, message: str, allowed: tuple[str, ...]) -> None:
        super().__init__(message)
        self.allowed = allowed


class NotAcceptableError(ClientError):
    """No representation the client accepts."""

    status = 406


class PayloadTooLargeError(ClientError):
    """The request body is over the configured limit."""

    status = 413


class ResultTooLargeError(ClientError):
    """The result would exceed the configured byte limit; nothing partial is sent."""

    status = 413


class UnsupportedMediaTypeError(ClientError):
    """The request body's media type is not one this operation takes."""

    status = 415


class UpstreamError(OrchkgError):
    """An allowlisted remote endpoint (SERVICE) or source (LOAD) failed or answered badly."""

    status = 502


class UpstreamTimeoutError(UpstreamError):
    """The remote store (or a federated endpoint) did not answer in full within the limit."""

    status = 504


class FederationTimeoutError(UpstreamTimeoutError):
    """An allowlisted SERVICE endpoint did not answer whole within the per-call limit."""

    status = 504


class OverloadedError(OrchkgError):
    """Every evaluation slot is busy."""

    status = 503


class QueryTimeoutError(OrchkgError):
    """The evaluation ran past the deadline and was stopped."""

    status = 503


class QueryMemoryError(OrchkgError):
    """The evaluation needed more memory than a worker may hold, and was stopped."""

    status = 503


class NotFoundError(ClientError):
    """Something that was asked for does not exist."""

    status = 404


class StoreError(OrchkgError):
    """The store failed to carry out an operation."""


class RemoteError(OrchkgError):
    """``orchkg.client`` did not get an answer from a server; ``url`` is what it asked."""

    status = 502

    def __init__(self, message: str, *, url: str = "") -> None:
        super().__init__(message)
        self.url = url


class RemoteUnreachableError(RemoteError):
    """No connection could be made, or it broke before an answer came."""


class RemoteTimeoutError(RemoteError):
    """No answer within the client's timeout."""

    status = 504


class RemoteStatusError(RemoteError):
    """The server answered an error status; ``message`` is the server's own message."""

    def __init__(self, message: str, *, url: str = "", status: int | None = None) -> None:
        super().__init__(message, url=url)
        if status is not None:
            self.status = status


class RemoteBadRequestError(RemoteStatusError):
    status = 400


class RemoteUnauthorisedError(RemoteStatusError):
    status = 401


class RemoteForbiddenError(RemoteStatusError):
    status = 403


class RemoteNotFoundError(RemoteStatusError):
    status = 404


class RemoteNotAcceptableError(RemoteStatusError):
    status = 406


class RemoteTooLargeError(RemoteStatusError):
    status = 413


class RemoteServerError(RemoteStatusError):
    status = 500


class RemoteBadGatewayError(RemoteStatusError):
    status = 502


class RemoteUnavailableError(RemoteStatusError):
    status = 503


class RemoteGatewayTimeoutError(RemoteStatusError):
    status = 504
