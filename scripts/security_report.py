"""Count the adversarial suite's cases, by promise, and (with --run) run it for outcomes.

    .venv/bin/python scripts/security_report.py          # count the cases (pytest --collect-only)
    .venv/bin/python scripts/security_report.py --write  # ... into docs/security.md
    .venv/bin/python scripts/security_report.py --run    # run them too: outcomes, answers checked

Prints the Markdown table of docs/security.md ("Cases tried"); a test
(tests/adversarial/test_limits.py) checks that the table there is this table.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SUITE = "tests/adversarial"
DOC = REPO / "docs" / "security.md"
START, END = "<!-- cases:start -->\n", "<!-- cases:end -->"
GROUPS = {
    "test_no_outbound": "1. No outbound connection, no file access",
    "test_abuse": "2. No request crashes the server or holds it past the deadline",
    "test_connections": "2. Connections: slow clients, idle ones, bodies over the limit",
    "test_uploads": "2, 5. Hostile RDF uploads refused whole, in time",
    "test_client_errors": "3. Client errors are 4xx; no internals in error bodies",
    "test_read_only": "4. Queries never write; writes need the credential",
    "test_durability": "5. Atomic, durable writes; readers see committed states",
    "test_output": "6. Safe output: escaping, links, headers, CSV, no header injection",
    "test_limits": "7. Every limit documented and discoverable",
    "test_names": "Odd names: traversal, NUL, encoded dots, long names",
    "test_fuzz": "Fuzzing (hypothesis; each test sends up to 400 examples)",
}


def collected() -> dict[str, int]:
    """Test ids per module of the suite."""
    output = subprocess.run(  # noqa: S603 -- a fixed command line
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", SUITE],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    counts: collections.Counter[str] = collections.Counter()
    for line in output.splitlines():
        match = re.match(rf"{SUITE}/(test_\w+)\.py::", line)
        if match:
            counts[match.group(1)] += 1
    return dict(counts)


def table(counts: dict[str, int], outcomes: dict[str, collections.Counter[str]] | None) -> str:
    head = "| group | module | cases |" + (" passed | failed |" if outcomes else "")
    rule = "|---|---|---:|" + ("---:|---:|" if outcomes else "")
    rows = [head, rule]
    for module, group in GROUPS.items():
        row = f"| {group} | `{module}.py` | {counts.get(module, 0)} |"
        if outcomes:
            found = outcomes.get(module, collections.Counter())
            row += f" {found['passed']} | {found['failed']} |"
        rows.append(row)
    total = sum(counts.values())
    rows.append(f"| **all** | | **{total}** |" + (" | |" if outcomes else ""))
    return "\n".join(rows) + "\n"


def documented() -> str:
    """The table between the markers of docs/security.md."""
    text = DOC.read_text(encoding="utf-8")
    return text[text.index(START) + len(START) : text.index(END)]


def write(new_table: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    head, tail = text[: text.index(START) + len(START)], text[text.index(END) :]
    DOC.write_text(head + new_table + tail, encoding="utf-8")


def run() -> tuple[dict[str, collections.Counter[str]], dict[str, int]]:
    """Run the suite; outcomes per module, and the answers checked by status."""
    with tempfile.TemporaryDirectory() as scratch:
        junit, census = Path(scratch) / "junit.xml", Path(scratch) / "census.json"
        subprocess.run(  # noqa: S603 -- a fixed command line
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                SUITE,
                f"--junitxml={junit}",
            ],
            cwd=REPO,
            env={**os.environ, "ORCHKG_CENSUS": str(census)},
            check=False,
        )
        outcomes: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
        for case in ET.parse(junit).getroot().iter("testcase"):  # noqa: S314 -- our own file
            module = case.get("classname", "").rsplit(".", 1)[-1]
            failed = any(child.tag in ("failure", "error") for child in case)
            outcomes[module]["failed" if failed else "passed"] += 1
        statuses = {int(k): v for k, v in json.loads(census.read_text()).items()}
    return outcomes, statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", action="store_true", help="run the suite for outcomes too")
    parser.add_argument("--write", action="store_true", help="write the table into the doc")
    arguments = parser.parse_args()
    counts = collected()
    if arguments.write:
        write(table(counts, None))
    if not arguments.run:
        print(table(counts, None), end="")
        return
    outcomes, statuses = run()
    print(table(counts, outcomes))
    total = sum(statuses.values())
    shown = ", ".join(f"{status}: {count:,}" for status, count in sorted(statuses.items()))
    print(f"{total:,} answers checked by status: {shown}")


if __name__ == "__main__":
    main()
