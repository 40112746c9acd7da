"""Settings: paths given relative to where the service was started mean that place, always."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from conftest import PROJECT_ROOT

from server.app import create_app


def test_relative_paths_keep_meaning_the_start_directory_after_it_changes(
    built_store, tmp_path, monkeypatch
):
    start = tmp_path / "start"
    start.mkdir()
    (start / "store").symlink_to(built_store, target_is_directory=True)
    (start / "sources").symlink_to(PROJECT_ROOT, target_is_directory=True)
    monkeypatch.chdir(start)
    app = create_app(
        {"TESTING": True, "QUERY_WORKERS": 1, "STORE": "store", "SOURCE_DIR": "sources"}
    )
    # Whatever changes the working directory later (a process manager, a library), the
    # paths were resolved when the service started.
    monkeypatch.chdir(tmp_path)
    try:
        client = app.test_client()
        listing = json.loads(client.get("/dumps/?format=json").data)
        (version,) = listing["versions"]
        for entry in version["files"]:
            response = client.get(urlsplit(entry["sha256_url"]).path, buffered=True)
            assert response.status_code == 200, entry["sha256_url"]
        assert client.get("/ontology/shapes.ttl").status_code == 200
    finally:
        app.extensions["ftkg.live"].close()
