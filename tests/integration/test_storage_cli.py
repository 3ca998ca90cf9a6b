"""`ticket-priority db upgrade/current` on a SQLite file in tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from serving.cli import app
from serving.storage.migrate import current_revision, head_revision


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["db", *args])
    return result.exit_code, " ".join(result.output.split())


def test_db_upgrade_creates_the_schema_and_current_reports_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'reviews.db'}"
    code, output = run("current", "--database-url", url)
    assert code == 1
    assert "ticket-priority db upgrade" in output
    assert not (tmp_path / "reviews.db").exists()

    code, output = run("upgrade", "--database-url", url)
    assert code == 0, output
    assert f"at revision {head_revision()}" in output
    assert current_revision(url) == head_revision()

    assert run("upgrade", "--database-url", url)[0] == 0  # repeating is a no-op
    code, output = run("current", "--database-url", url)
    assert (code, "up to date" in output) == (0, True)


def test_db_upgrade_with_a_bad_url_names_the_option_and_hides_the_password() -> None:
    code, output = run("upgrade", "--database-url", "mysql://agent:s3cret@db/reviews")
    assert code == 2
    assert "--database-url" in output
    assert "sqlite and postgresql" in output
    assert "s3cret" not in output


def test_a_store_migrated_by_a_newer_version_is_left_alone_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from serving import serve_cli

    started: list[object] = []
    monkeypatch.setattr(serve_cli, "run_granian", lambda **kw: started.append(kw))

    url = f"sqlite:///{tmp_path / 'reviews.db'}"
    assert run("upgrade", "--database-url", url)[0] == 0
    with sqlite3.connect(tmp_path / "reviews.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099'")
    code, output = run("current", "--database-url", url)
    assert code == 1
    assert f"at revision 0099 (ahead of {head_revision()}" in output
    code, output = run("upgrade", "--database-url", url)
    assert code == 2
    assert "is at revision 0099, which this version does not know" in output
    assert "Traceback" not in output
    assert current_revision(url) == "0099"  # untouched
    served = CliRunner().invoke(app, ["serve"], env={"TP_DATABASE_URL": url})
    assert (served.exit_code, started) == (2, [])  # refused before any worker starts
    assert "a newer ticket-priority migrated it" in " ".join(served.output.split())


@pytest.mark.parametrize("command", ["upgrade", "current"])
@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"TP_DATABASE_URL": "mysql://agent:s3cret@db/reviews"}, "TP_DATABASE_URL"),
        ({"DATABASE_URL": "mysql://agent:s3cret@db/reviews"}, "DATABASE_URL"),
    ],
)
def test_a_bad_url_from_the_environment_names_that_variable_not_the_option(
    command: str, env: dict[str, str], named: str
) -> None:
    result = CliRunner().invoke(app, ["db", command], env={"TP_DATABASE_URL": "", **env})
    output = " ".join(result.output.split())
    assert result.exit_code == 2, output
    assert f"error: {named} mysql://agent:***@db/reviews: uses 'mysql'" in output
    assert "sqlite and postgresql" in output
    assert f"in {named} (or pass --database-url)" in output
    assert "s3cret" not in output


def test_a_bad_url_from_the_option_names_the_option_even_with_the_variable_set() -> None:
    env = {"TP_DATABASE_URL": "sqlite:///reviews.db"}
    args = ["db", "current", "--database-url", "mysql://agent:s3cret@db/reviews"]
    output = " ".join(CliRunner().invoke(app, args, env=env).output.split())
    assert "error: --database-url mysql://" in output
    assert "TP_DATABASE_URL" not in output


def test_an_unreachable_database_from_the_variable_names_the_variable(tmp_path: Path) -> None:
    # longer than a line: rich folded the path in two where the console was 80 columns wide
    folder = tmp_path / ("a-folder-with-a-long-name-" * 4)
    folder.mkdir()
    (folder / "a-file").write_text("not a folder", encoding="utf-8")
    url = f"sqlite:///{folder / 'a-file' / 'reviews.db'}"
    env = {"TP_DATABASE_URL": url}
    result = CliRunner().invoke(app, ["db", "upgrade"], env=env)
    output = " ".join(result.output.split())
    assert result.exit_code == 2, output
    assert f"error: TP_DATABASE_URL {url}: " in output
    assert "--database-url sqlite" not in output
