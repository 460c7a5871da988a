"""Set up Superset for the ABM warehouse and serve it (run with the bi virtualenv's Python).

    python bi/superset_setup.py setup --home DIR --warehouse PATH   # metadata DB, admin, import
    python bi/superset_setup.py serve --home DIR [--port 8088]      # the web server (foreground)
    python bi/superset_setup.py env --home DIR                      # print the environment

`setup` creates DIR (a generated SECRET_KEY, the admin password) and a NEW Superset metadata
database there (SQLite; any earlier one is replaced: the dashboards are code, and Superset's
import does not update charts it already has), runs `superset db upgrade`, `fab create-admin`,
`init`, then zips bi/dashboards with the database URI pointed at PATH (opened read-only) and
imports it (`superset import-dashboards`). Changes made in the UI are lost at the next setup:
export them (Dashboards > Export) into bi/dashboards, or edit bi/make_bundle.py.

The admin user is `admin`; its password is $SUPERSET_ADMIN_PASSWORD, else one generated on
the first setup and kept in DIR/admin-password (mode 600). Nothing secret is in the repository.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

BI = Path(__file__).resolve().parent
BUNDLE = BI / "dashboards"
PLACEHOLDER = "duckdb:///__WAREHOUSE_PATH__?access_mode=read_only"
ADMIN = "admin"


def _secret_file(path: Path, make) -> str:
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(make())
    return path.read_text().strip()


def admin_password(home: Path) -> str:
    env = os.environ.get("SUPERSET_ADMIN_PASSWORD")
    if env:
        return env
    return _secret_file(home / "admin-password", lambda: secrets.token_urlsafe(12))


def superset_env(home: Path) -> dict[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(
        SUPERSET_HOME=str(home),
        SUPERSET_CONFIG_PATH=str(BI / "superset_config.py"),
        SUPERSET_SECRET_KEY=_secret_file(home / "secret-key", lambda: secrets.token_urlsafe(48)),
        SUPERSET_METADATA_URI=f"sqlite:///{home / 'superset.db'}",
        FLASK_APP="superset",
        PYTHONUNBUFFERED="1",
    )
    return env


def superset_bin() -> str:
    return str(Path(sys.executable).with_name("superset"))


def run(args: list[str], env: dict[str, str]) -> None:
    # Never echo the arguments: create-admin's include the password.
    print("+ superset " + " ".join(args[1:3]), flush=True)
    subprocess.run(args, env=env, check=True)


def warehouse_uri(warehouse: Path) -> str:
    return f"duckdb:///{warehouse.resolve()}?access_mode=read_only"


def bundle_zip(warehouse: Path, dest: Path) -> Path:
    """bi/dashboards as an import ZIP (one top folder), the database URI set to `warehouse`."""
    zpath = dest / "abm_dashboards.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for f in sorted(BUNDLE.rglob("*.yaml")):
            text = f.read_text()
            if f.parent.name == "databases":
                assert PLACEHOLDER in text, f"{f} lacks {PLACEHOLDER}"
                text = text.replace(PLACEHOLDER, warehouse_uri(warehouse))
            zf.writestr(f"abm_dashboards/{f.relative_to(BUNDLE)}", text)
    return zpath


def setup(home: Path, warehouse: Path) -> None:
    if not warehouse.exists():
        sys.exit(f"no warehouse at {warehouse}: run `make warehouse` first")
    env = superset_env(home)
    sup = superset_bin()
    for stale in home.glob("superset.db*"):
        stale.unlink()
    run([sup, "db", "upgrade"], env)
    password = admin_password(home)
    run(
        [
            sup,
            "fab",
            "create-admin",
            "--username",
            ADMIN,
            "--firstname",
            "Analytics",
            "--lastname",
            "Admin",
            "--email",
            "admin@localhost",
            "--password",
            password,
        ],
        env,
    )
    run([sup, "init"], env)
    tmp = Path(tempfile.mkdtemp(prefix="abm-bi-"))
    try:
        zpath = bundle_zip(warehouse, tmp)
        run([sup, "import-dashboards", "--path", str(zpath), "--username", ADMIN], env)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"Superset is set up in {home} (warehouse {warehouse.resolve()}, read-only).")


def serve(home: Path, host: str, port: int) -> None:
    env = superset_env(home)
    print(
        f"Superset on http://{host}:{port}/  user: {ADMIN}  password: see {home}/admin-password"
        " (or $SUPERSET_ADMIN_PASSWORD)",
        flush=True,
    )
    os.execve(
        superset_bin(),
        [superset_bin(), "run", "--host", host, "--port", str(port), "--with-threads"],
        env,
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("command", choices=["setup", "serve", "env"])
    p.add_argument("--home", type=Path, required=True, help="Superset home (metadata, secrets)")
    p.add_argument("--warehouse", type=Path, default=Path("warehouse/warehouse.duckdb"))
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8088)
    a = p.parse_args(argv)
    home = a.home.resolve()
    if a.command == "setup":
        setup(home, a.warehouse)
    elif a.command == "serve":
        serve(home, a.host, a.port)
    else:
        for k, v in superset_env(home).items():
            if k.startswith(("SUPERSET_CONFIG", "SUPERSET_HOME", "SUPERSET_METADATA", "FLASK")):
                print(f"export {k}={v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
