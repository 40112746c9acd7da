"""nginx's configuration as ``server.front.nginx`` writes it from the app (no nginx needed):
what it may hold, and that it lists only what the build writes and the app negotiates."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import ftkg

from server.app import create_app
from server.front import nginx
from server.front.run import FrontError, nginx_command
from server.pipeline import documents


@pytest.fixture(scope="module")
def routes(built_store: Path):
    return create_app({"TESTING": True, "STORE": str(built_store)}).url_map


def written(routes, tmp_path: Path, **changes) -> str:
    settings = {
        "listen": "127.0.0.1:8000",
        "socket": tmp_path / "app.sock",
        "files": tmp_path / "files",
        "runtime": tmp_path,
        "workers": 2,
        "read_timeout": 60,
        **changes,
    }
    return nginx.config(routes, **settings)


def test_nginx_sends_files_of_exactly_the_formats_the_build_materialises():
    assert nginx.SENT == documents.MATERIALISED


def test_each_accept_value_of_the_map_points_where_the_app_redirects_it(routes, built_store):
    client = create_app({"TESTING": True, "STORE": str(built_store)}).test_client()
    locations = dict(nginx.thing_locations(routes))
    assert len(locations) > 10
    for accept, location in locations.items():
        response = client.get("/id/commune/59350", headers={"Accept": accept} if accept else {})
        assert response.status_code == 303, accept
        assert response.headers["Location"] == location.replace(nginx.ENTITY, "commune/59350")


def test_an_accept_value_the_app_answers_406_is_left_out_of_the_map(routes):
    assert "image/png" not in dict(nginx.thing_locations(routes))


def test_the_configuration_names_the_socket_files_and_address_it_was_given(routes, tmp_path):
    text = written(routes, tmp_path)
    assert f"server unix:{tmp_path / 'app.sock'};" in text
    assert f"root {tmp_path / 'files'};" in text
    assert "listen 127.0.0.1:8000 backlog=2048;" in text
    assert "access_log off;" in text


def test_a_header_value_is_escaped_for_nginx_and_only_named_variables_are_kept():
    assert nginx._string('rel="next"') == '"rel=\\"next\\""'
    assert nginx._string("</page/$ftkg_entity>", nginx.ENTITY) == '"</page/$ftkg_entity>"'
    for unsafe in ("$host", "a{b", "a\\b"):
        with pytest.raises(ValueError, match="cannot be written into nginx"):
            nginx._string(unsafe)


def test_a_path_nginx_would_have_to_quote_is_refused_with_what_to_do(routes, tmp_path):
    with pytest.raises(ValueError, match="letters, digits"):
        written(routes, tmp_path, files=tmp_path / "my files")


def test_an_address_nginx_cannot_listen_on_is_refused(routes, tmp_path):
    assert "listen [::1]:8000 backlog=2048;" in written(routes, tmp_path, listen="[::1]:8000")
    with pytest.raises(ValueError, match="host name or address and a port"):
        written(routes, tmp_path, listen="0.0.0.0:80; include /etc/passwd")


def test_nginx_missing_everywhere_is_an_error_that_says_what_to_install(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    monkeypatch.setattr(os, "access", lambda _path, _mode: False)
    with pytest.raises(FrontError, match="apt-get install nginx-light"):
        nginx_command()


def test_serving_a_bare_oxigraph_directory_behind_nginx_is_refused(tmp_path):
    bare = tmp_path / "bare"
    bare.mkdir()
    ox.Store(str(bare)).flush()
    result = ftkg(
        "serve", "--store", str(bare), "--base-uri", "http://kg.test/", "--front", "nginx"
    )
    assert result.returncode != 0
    assert "--front nginx sends the documents of a store built by `ftkg build`" in result.stderr
