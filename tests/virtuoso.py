"""A throwaway OpenLink Virtuoso for the remote-store tests: its own folder, 127.0.0.1 only.

Virtuoso's stock configuration listens on every interface with the password ``dba``;
this instance binds both its ports to 127.0.0.1, replaces the ``dba`` password with a
random one, and gives orchkg a user of its own with the SPARQL_UPDATE role, reached at
``/sparql-auth`` with HTTP digest authentication (the anonymous ``/sparql`` stays read-only).
"""

from __future__ import annotations

import contextlib
import dataclasses
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import requests

from support import free_port

VIRTUOSO = shutil.which("virtuoso-t") or "/usr/bin/virtuoso-t"
ISQL = shutil.which("isql-vt") or "/usr/bin/isql-vt"

_INI = """\
[Database]
DatabaseFile = {root}/virtuoso.db
ErrorLogFile = {root}/virtuoso.log
LockFile = {root}/virtuoso.lck
TransactionFile = {root}/virtuoso.trx
xa_persistent_file = {root}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {root}/virtuoso-temp.db
TransactionFile = {root}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
MaxClientConnections = 20
CheckpointInterval = 60
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = .
TransactionAfterImageLimit = 2000000000
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {root}
MaxClientConnections = 20
ServerThreads = 20
MaxKeepAlives = 20
KeepAliveTimeout = 10
Charset = UTF-8
EnabledGzipContent = 0
[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryExecutionTime = 60
MaxQueryCostEstimationTime = 0
"""


@dataclasses.dataclass
class Virtuoso:
    """A running instance: where its endpoints are and orchkg's credentials."""

    root: Path
    http_port: int
    sql_port: int
    user: str
    password: str
    process: subprocess.Popen[bytes]

    def alive(self) -> bool:
        return self.process.poll() is None

    def restart(self) -> None:
        """Start it again on its own folder (after a crash: the data is still there)."""
        if self.alive():
            self.process.terminate()
            self.process.wait(timeout=30)
        self.process = _start(self.root)
        _wait_for(self)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    @property
    def update_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql-auth"

    @property
    def graph_store(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql-graph-crud-auth"

    def settings(self, *, updates: bool = True) -> dict[str, str]:
        """orchkg settings that put the dataset in this instance."""
        found = {
            "remote_endpoint": self.endpoint,
            "remote_user": self.user,
            "remote_password": self.password,
        }
        if updates:
            found["remote_update_endpoint"] = self.update_endpoint
        return found

    def environment(self, *, updates: bool = True) -> dict[str, str]:
        return {
            f"ORCHKG_{name.upper()}": value
            for name, value in self.settings(updates=updates).items()
        }

    def sql(self, statements: str, *, password: str | None = None) -> str:
        """Run SQL through isql (as dba); the output, or an error if it failed."""
        completed = subprocess.run(
            [ISQL, f"127.0.0.1:{self.sql_port}", "dba", password or self.dba_password],
            input=statements,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if completed.returncode != 0 or "*** Error" in completed.stdout:
            raise RuntimeError(f"isql failed: {completed.stdout}\n{completed.stderr}")
        return completed.stdout

    @property
    def dba_password(self) -> str:
        return (self.root / "dba-password").read_text(encoding="utf-8")


@contextlib.contextmanager
def running_virtuoso(*, max_rows: int = 10_000) -> Iterator[Virtuoso]:
    """Start a fresh instance in a temporary folder; stop it and delete the folder after."""
    root = Path(tempfile.mkdtemp(prefix="orchkg-virtuoso-"))
    http_port, sql_port = free_port(), free_port()
    (root / "virtuoso.ini").write_text(
        _INI.format(root=root, http_port=http_port, sql_port=sql_port, max_rows=max_rows),
        encoding="utf-8",
    )
    process = _start(root)
    user, password, dba = "orchkg", secrets.token_hex(12), secrets.token_hex(12)
    (root / "dba-password").write_text("dba", encoding="utf-8")
    instance = Virtuoso(root, http_port, sql_port, user, password, process)
    try:
        _wait_for(instance)
        instance.sql(
            f"DB.DBA.USER_CREATE('{user}', '{password}');\n"
            f'GRANT SPARQL_UPDATE TO "{user}";\n'
            f"USER_SET_PASSWORD('dba', '{dba}');\n"
        )
        (root / "dba-password").write_text(dba, encoding="utf-8")
        yield instance
    finally:
        instance.process.terminate()
        try:
            instance.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            instance.process.kill()
            instance.process.wait()
        shutil.rmtree(root, ignore_errors=True)


def _start(root: Path) -> subprocess.Popen[bytes]:
    with (root / "stdout.log").open("ab") as log:
        return subprocess.Popen(
            [VIRTUOSO, "+foreground", "+configfile", str(root / "virtuoso.ini")],
            cwd=root,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _wait_for(instance: Virtuoso) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if instance.process.poll() is not None:
            raise RuntimeError(
                "virtuoso-t exited: " + (instance.root / "stdout.log").read_text(errors="replace")
            )
        try:
            response = requests.get(
                instance.endpoint,
                params={"query": "ASK {}"},
                timeout=2,
                headers={"Accept": "application/sparql-results+json"},
            )
            if response.status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RuntimeError("virtuoso-t did not start within 90 s")
