"""The README is the front door: what it promises exists, and CI runs what it says."""

from __future__ import annotations

from conftest import PROJECT_ROOT

from server import settings

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented_in_the_readme():
    missing = [s.env_var for s in settings.SETTINGS if f"`{s.env_var}`" not in README]
    assert missing == []


def test_the_readme_gives_the_two_set_up_commands():
    assert "make serve" in README
    assert "make test" in README


def test_ci_runs_the_readmes_test_command():
    script = (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in script


def test_the_makefile_defines_the_readmes_targets():
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    assert "\nserve:" in makefile
    assert "\ntest:" in makefile
