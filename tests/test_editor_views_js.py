"""The editor's result views, unit by unit: web/test/*.test.js run by node's own test runner,
one pytest test per file, so that `make test` and CI run them with the rest."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from conftest import PROJECT_ROOT

WEB = PROJECT_ROOT / "web"
FILES = sorted((WEB / "test").glob("*.test.js"))


def test_there_are_unit_tests_of_the_views():
    assert {f.name for f in FILES} >= {"choose.test.js", "terms.test.js"}


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
@pytest.mark.skipif(
    not (WEB / "node_modules" / "@observablehq" / "plot").is_dir(),
    reason="web/node_modules is missing: run `make install`",
)
@pytest.mark.parametrize("path", FILES, ids=[f.name for f in FILES])
def test_javascript_unit_tests_pass(path):
    result = subprocess.run(
        ["node", "--test", str(path)], cwd=WEB, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
