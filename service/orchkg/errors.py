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
    │   └── NotFoundError (404)       an unknown graph, file or resource
    └── StoreError (500)              the store could not do what was asked
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


class NotFoundError(ClientError):
    """Something that was asked for does not exist."""

    status = 404


class StoreError(OrchkgError):
    """The store failed to carry out an operation."""
