"""Names from the network never choose where files go; a damaged start-up is told in one line;
random settings files never stop the app."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktoprec.catalogs.covers import MAX_COVER_BYTES, cover_path, fetch_cover
from desktoprec.settings import Settings, load_settings

from .conftest import Answer, HostileServer


def test_cover_names_come_from_hashes_not_urls(tmp_path: Path) -> None:
    covers = tmp_path / "covers"
    for url in ("https://i.scdn.co/image/../../../../etc/passwd",
                "https://x/%2e%2e%2f%2e%2e%2fhome", "https://x/a\x00b", "../../x", "C:\\x\\y",
                "https://x/" + "n" * 5000):
        target = cover_path(covers, url)
        assert target.parent == covers
        assert len(target.name) < 100 and "/" not in target.name and ".." not in target.name


def test_cover_download_is_capped_and_lands_in_the_cache(hostile_server: HostileServer,
                                                         tmp_path: Path) -> None:
    covers = tmp_path / "covers"
    hostile_server.by_path["/huge.jpg"] = Answer(body=b"\xff" * (MAX_COVER_BYTES + 10_000),
                                                 headers={"Content-Type": "image/jpeg"})
    hostile_server.by_path["/../../escape.jpg"] = Answer(body=b"\xff\xd8small",
                                                         headers={"Content-Type": "image/jpeg"})
    # the client sends the dot segments resolved; only what begins like an image is kept
    hostile_server.by_path["/escape.jpg"] = hostile_server.by_path["/../../escape.jpg"]
    assert fetch_cover(covers, f"{hostile_server.url}/huge.jpg") is None
    assert not covers.exists() or not any(covers.iterdir())
    saved = fetch_cover(covers, f"{hostile_server.url}/../../escape.jpg")
    assert saved is not None and saved.parent == covers
    assert [p.parent for p in tmp_path.rglob("*") if p.is_file()] == [covers]
    assert fetch_cover(covers, "file:///etc/passwd") is None


_toml_ish = st.one_of(
    st.binary(max_size=400),
    st.text(max_size=400).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.lists(st.sampled_from([b"client_id = ", b"diversity = ", b"[a]", b"[[b]]", b'"x"', b"1e999",
                              b"nan", b"-inf", b"true", b"[1, [2, [3]]]", b"{a = 1}", b"\n",
                              b"music_folders = ", b'["/m", 1]', b"api_url = ",
                              b'"http://10.0.0.1/v1"', b"\xff", b"= =", b"'''"]),
             max_size=30).map(b"".join),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                    HealthCheck.function_scoped_fixture])
@given(content=_toml_ish)
def test_fuzz_settings_files_always_load(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "settings.toml"
    path.write_bytes(content)
    loaded = load_settings(path)
    assert isinstance(loaded, Settings)
    assert 0.0 <= loaded.diversity <= 1.0
    assert loaded.effective_api_url().startswith(("https://", "http://127."))
    if loaded.load_warning:  # unreadable: the bad file is kept for the user to look at
        assert (tmp_path / "settings.toml.corrupt").read_bytes() == content
    for leftover in (path, tmp_path / "settings.toml.corrupt"):
        leftover.unlink(missing_ok=True)


def test_damaged_database_and_settings_at_start_are_told_once(desktoprec_home: Path) -> None:
    (desktoprec_home / "data").mkdir(parents=True)
    (desktoprec_home / "config").mkdir(parents=True)
    (desktoprec_home / "data" / "library.sqlite3").write_bytes(os.urandom(64 * 1024))
    (desktoprec_home / "config" / "settings.toml").write_bytes(b"client_id = \"x\n\xff[[[")
    env = dict(os.environ, DESKTOPREC_HOME=str(desktoprec_home))
    done = subprocess.run([sys.executable, "-m", "desktoprec", "status", "--json"], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(warnings) == 2, warnings
    assert any("settings" in w and "defaults" in w for w in warnings)
    assert any("moved aside" in w for w in warnings)
    assert "Traceback" not in done.stderr
    kept = list((desktoprec_home / "data").glob("library.sqlite3.corrupt-*"))
    assert len(kept) == 1
    again = subprocess.run([sys.executable, "-m", "desktoprec", "status", "--json"], env=env,
                           capture_output=True, text=True, timeout=120, check=False)
    assert again.returncode == 0 and again.stderr.strip() == "", again.stderr


def test_data_folders_are_private_to_the_user(desktoprec_home: Path) -> None:
    from desktoprec.paths import app_paths
    from desktoprec.services import Services

    loose = desktoprec_home / "logs"
    loose.mkdir(parents=True)
    loose.chmod(0o755)  # left readable by an older version or a careless umask
    services = Services()
    try:
        with services.db.write():
            pass
    finally:
        services.close()
    paths = app_paths()
    for folder in (paths.data_dir, paths.config_dir, paths.cache_dir, paths.log_dir):
        assert folder.stat().st_mode & 0o077 == 0, (folder, oct(folder.stat().st_mode))


def test_export_writes_only_the_file_the_user_named(tmp_path: Path, desktoprec_home: Path) -> None:
    from desktoprec.services import Services

    hostile_ids = ["../../evil", "spotify:track:../../../x", "local:/etc/passwd", "a/b\\c",
                   "\n#EXTINF:0,injected\n/etc/shadow"]
    target = tmp_path / "out" / "mix.m3u"
    services = Services()
    try:
        written = services.export.to_file(target, hostile_ids)
        table = services.export.to_file(tmp_path / "out" / "mix.csv", hostile_ids)
    finally:
        services.close()
    assert written == target and table == tmp_path / "out" / "mix.csv"
    outside_home = [p for p in tmp_path.rglob("*") if p.is_file()
                    and desktoprec_home not in p.parents]
    assert sorted(outside_home) == sorted([target, table])
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "#EXTM3U" and all(not line.startswith("/etc") for line in lines)
