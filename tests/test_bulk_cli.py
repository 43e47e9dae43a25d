"""``sessionpacks bulk-grant``: a CSV file in, a batch out, shown and undone."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.test_cli import Cli, passes_of, sp  # noqa: F401 - sp is a fixture

HEADER = "account_ref,member_id\n"


@pytest.fixture
def clients(sp: Cli, tmp_path: Path) -> Path:  # noqa: F811
    for ref in ("lee", "kim", "ray"):
        sp.ok("account", "add", ref, f"The {ref} family")
    ann = sp.json("member", "add", "lee", "Ann Lee")["id"]
    bo = sp.json("member", "add", "kim", "Bo Kim")["id"]
    path = tmp_path / "clients.csv"
    path.write_text(HEADER + f"lee,\nkim,{bo}\nnobody,\nray,{ann}\nlee,\n ray ,\n")
    return path


def test_bulk_grant_from_a_csv_file(sp: Cli, clients: Path) -> None:  # noqa: F811
    result = sp(
        "bulk-grant", str(clients), "4", "--expires", "2099-12-31", "--label", "Snow day",
        "--reason", "snow day", "--batch-key", "snow-1",
    )  # fmt: skip
    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert result.stderr == ""  # the running count is for a terminal only
    out = result.stdout
    assert re.search(r"bulk grant \d+ \(snow-1\), complete: 3 granted, 3 skipped of 6", out)
    assert re.search(r"4\s+nobody\s+unknown account", out)
    assert re.search(r"5\s+ray\s+\d+\s+member not in this account", out)
    assert re.search(r"6\s+lee\s+already granted in this batch", out)
    (lee,) = passes_of(sp, "lee").values()
    assert (lee["label"], lee["remaining"], lee["member_id"]) == ("Snow day", 4, None)
    (kim,) = passes_of(sp, "kim").values()
    assert kim["member_id"] is not None
    assert [p["remaining"] for p in passes_of(sp, "ray").values()] == [4]

    # Running it again changes nothing and says the same.
    again = sp.json(
        "bulk-grant", str(clients), "4", "--expires", "2099-12-31", "--label", "Snow day",
        "--reason", "snow day", "--batch-key", "snow-1",
    )  # fmt: skip
    assert again["report"]["granted"] == 3
    assert [s["position"] for s in again["skipped"]] == [2, 3, 4]
    assert len(passes_of(sp, "lee")) == 1
    batch_id = again["report"]["batch_id"]
    assert sp.json("bulk-grant", "show", str(batch_id)) == again
    assert "3 granted, 3 skipped" in sp.ok("bulk-grant", "show", str(batch_id))

    undone = sp.ok("bulk-grant", "undo", str(batch_id), "--reason", "wrong day", "--key", "u1")
    assert f"undid bulk grant {batch_id} (snow-1): 3 voided" in undone
    assert passes_of(sp, "lee") == {}
    shown = sp.json("bulk-grant", "show", str(batch_id))["report"]
    assert (shown["state"], shown["undone"], shown["undo_reason"]) == ("undone", 3, "wrong day")
    assert "all balances agree" in sp.ok("verify")


def test_bulk_grant_json_has_no_progress_bar(sp: Cli, clients: Path) -> None:  # noqa: F811
    result = sp(
        "bulk-grant", str(clients), "1500", "--metric", "money", "--currency", "eur",
        "--reason", "voucher", "--batch-key", "v1", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    document = json.loads(result.stdout)
    assert document["report"]["terms"]["currency"] == "EUR"
    assert document["report"]["state"] == "complete"


def test_bulk_grant_bad_input_is_one_line_and_writes_nothing(
    sp: Cli,  # noqa: F811
    clients: Path,
    tmp_path: Path,
) -> None:
    base = ("--reason", "r", "--batch-key")
    no_ref = tmp_path / "no_ref.csv"
    no_ref.write_text("ref,member_id\nlee,\n")
    result = sp.fails("bulk-grant", str(no_ref), "3", *base, "b1")
    assert "needs a header row with an account_ref column" in result.stderr
    # Each bad file is refused, naming its line, before a batch is opened under its key.
    for key, body, said in (
        ("b2", "lee,\nkim,Bo\n", "line 3: member_id must be a whole number, got 'Bo'"),
        ("b7", "lee,\nkim,12345678901234567890123\n", "line 3: member_id must be between"),
        ("b8", "lee,\nkim,,extra\n", "line 3: has a different number of columns"),
        ("b9", 'lee,\n"kim,\n', "line 3: bad CSV"),
    ):
        bad = tmp_path / f"{key}.csv"
        bad.write_text(HEADER + body)
        result = sp.fails("bulk-grant", str(bad), "3", *base, key)
        assert said in result.stderr
        assert "Traceback" not in result.stderr
    result = sp.fails("bulk-grant", str(tmp_path / "missing.csv"), "3", *base, "b3")
    assert "cannot read" in result.stderr
    result = sp.fails("bulk-grant", str(clients), "0", *base, "b4")
    assert "quantity must be greater than zero" in result.stderr
    result = sp.fails("bulk-grant", "show", "999")
    assert result.stderr.strip() == "error: unknown bulk grant: 999"
    result = sp.fails("bulk-grant", "undo", "999", "--reason", "x", "--key", "k")
    assert "unknown bulk grant" in result.stderr
    assert passes_of(sp, "lee") == {}
    # A refused file opened no batch: its key is still free for a good file.
    sp.ok("bulk-grant", str(clients), "3", *base, "b7")
    result = sp.fails("bulk-grant", str(clients), "4", *base, "b7")
    assert "different bulk_grant call" in result.stderr
