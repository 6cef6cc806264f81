"""deploy/serve.py's nginx config: complete, accepted by nginx, and in step with the app's
own limits (.streamlit/config.toml). The proxy with live workers is
tests/browser/test_serve_proxy.py."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

from deploy import serve

REPO = Path(__file__).resolve().parent.parent


def test_every_placeholder_is_filled_and_nginx_accepts_the_config(tmp_path: Path) -> None:
    config = serve.nginx_config(18501, [18502, 18503], tmp_path)
    assert "@" not in re.sub(r"#[^\n]*", "", config)
    assert "listen 127.0.0.1:18501;" in config
    pool = config[config.index("upstream streamlit_workers {") :]
    assert pool[: pool.index("}")].count("server 127.0.0.1:1850") == 2
    (tmp_path / "nginx.conf").write_text(config, encoding="utf-8")
    command = [serve.nginx_binary(), "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")]
    check = subprocess.run(
        [*command, "-e", str(tmp_path / "error.log"), "-t"], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr


def test_the_proxy_keeps_the_apps_upload_limit_and_its_websocket(tmp_path: Path) -> None:
    settings = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    config = serve.nginx_config(18501, [18502], tmp_path)
    assert settings["server"]["enableXsrfProtection"] is True
    assert f"client_max_body_size {settings['server']['maxUploadSize']}m;" in config
    stream = config[config.index("location /_stcore/stream") :]
    assert "proxy_set_header Upgrade $http_upgrade;" in stream


def test_a_new_browser_goes_to_the_least_busy_worker_and_a_cookie_names_only_real_ones(
    tmp_path: Path,
) -> None:
    config = serve.nginx_config(18501, [18502, 18503], tmp_path)
    pool = config[config.index("upstream streamlit_workers {") :]
    assert "least_conn;" in pool[: pool.index("}")]
    # The cookie is a worker's name, mapped to that worker's group: never an address a
    # client could choose.
    routes = config[config.index("map $cookie_heesticky $hee_upstream {") :]
    routes = routes[: routes.index("}")]
    assert re.findall(r"\n\s+(\S+) (\S+);", routes) == [
        ("default", "streamlit_workers"),
        ("w1", "worker_w1"),
        ("w2", "worker_w2"),
    ]
    own_group = config[config.index("upstream worker_w2 {") :]
    own_group = own_group[: own_group.index("}")]
    assert "server 127.0.0.1:18503 max_fails" in own_group
    assert "server 127.0.0.1:18502 backup;" in own_group
    assert '"127.0.0.1:18503" "heesticky=w2;' in config
    assert config.count("proxy_pass http://$hee_upstream;") == 2
