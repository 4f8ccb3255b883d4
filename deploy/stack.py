"""The production topology on this machine, from the files an operator installs (deploy/):
a PostgreSQL cluster in a temporary folder, two gunicorn app servers and the worker as their
systemd units say, nginx with the site file, a self-signed certificate. Only the addresses
and paths change (`Stack.substitutions`): a file that stopped working would fail here first.

    python deploy/stack.py start   # `make stack`: prints the URL
    python deploy/stack.py stop    # `make stack-stop`

Debian's packages only: postgresql (initdb, pg_ctl), nginx, openssl. As root, PostgreSQL runs
as its `postgres` user (initdb refuses root) and nginx's workers as the project's owner.
tests/deploy/test_stack.py starts one on free ports and drives it."""

import grp
import json
import os
import pwd
import secrets
import shlex
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
STATE = ROOT / "instance" / "stack.json"
BIN = Path(sys.executable).parent
PG_ROOT = Path("/usr/lib/postgresql")
DEMO_PASSWORD = "demo-password"  # noqa: S105 (the demo coop's, printed by `make stack`)


@dataclass
class Ports:
    https: int = 8443
    http: int = 8080
    apps: tuple[int, ...] = (8001, 8002)
    postgres: int = 55432


@dataclass
class Stack:
    folder: Path
    ports: Ports = field(default_factory=Ports)
    # More PORTAL_* settings, over deploy/portal.env's (a test's low login limits).
    settings: dict[str, str] = field(default_factory=dict)
    pids: dict[str, int] = field(default_factory=dict)
    pg_folder: Path | None = None
    # Where `make stack` notes what it started, for `make stack-stop`; a test keeps none.
    state: Path | None = None
    # A test seeds its own members, and does without PostgreSQL's flushes to disk.
    demo: bool = True
    durable: bool = True

    # --- what the operator's files become here -------------------------------------------

    def __post_init__(self) -> None:
        # The processes this very program started (`make stack-stop` has only their ids).
        self.processes: dict[int, subprocess.Popen] = {}

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.ports.https}"

    @property
    def database_url(self) -> str:
        return f"postgresql://portal:portal@127.0.0.1:{self.ports.postgres}/portal"

    @property
    def certificate(self) -> Path:
        return self.folder / "tls" / "cert.pem"

    def substitutions(self) -> list[tuple[str, str]]:
        """(production text, this machine's), applied in order to every file used."""
        apps = self.ports.apps
        return [
            ("/etc/portal/portal.env", str(self.folder / "portal.env")),
            ("/srv/portal/.venv/bin/", f"{BIN}/"),
            ("/srv/portal", str(ROOT)),
            ("/var/lib/portal", str(self.folder / "lib")),
            ("/run/", f"{self.folder / 'run'}/"),
            ("/var/log/nginx/", f"{self.folder / 'logs'}/"),
            ("listen 80;", f"listen 127.0.0.1:{self.ports.http};"),
            ("listen [::]:80;", ""),
            ("https://$host$request_uri", f"https://$host:{self.ports.https}$request_uri"),
            ("listen 443 ssl http2;", f"listen 127.0.0.1:{self.ports.https} ssl http2;"),
            ("listen [::]:443 ssl http2;", ""),
            ("server_name portal.coop.example;", "server_name 127.0.0.1;"),
            ("/etc/letsencrypt/live/portal.coop.example/fullchain.pem", str(self.certificate)),
            (
                "/etc/letsencrypt/live/portal.coop.example/privkey.pem",
                str(self.folder / "tls" / "key.pem"),
            ),
            ("server 127.0.0.1:8001 ", f"server 127.0.0.1:{apps[0]} "),
            ("server 127.0.0.1:8002 ", f"server 127.0.0.1:{apps[1]} "),
        ]

    def render(self, text: str) -> str:
        for production, here in self.substitutions():
            text = text.replace(production, here)
        return text

    def environment_file(self) -> str:
        """deploy/portal.env with this machine's database, address, secrets and folders."""
        values = {
            "PORTAL_PUBLIC_URL": self.url,
            "PORTAL_SECRET_KEY": secrets.token_urlsafe(48),
            "PORTAL_DATABASE_URL": self.database_url,
            "PORTAL_SMTP_HOST": "",  # mail into the worker's log
            "PORTAL_SMTP_USERNAME": "",
            "PORTAL_SMTP_PASSWORD": "",
            **self.settings,
        }
        lines = []
        for line in (DEPLOY / "portal.env").read_text().splitlines():
            name = line.lstrip("# ").split("=", 1)[0]
            if "=" in line and name in values:
                line = f"{name}={shlex.quote(values.pop(name))}"
            lines.append(line)
        if values:
            raise RuntimeError(f"deploy/portal.env does not mention {', '.join(values)}")
        return self.render("\n".join(lines) + "\n")

    # --- starting and stopping -----------------------------------------------------------

    def start(self) -> None:
        for name in ("logs", "run", "lib", "tls", "nginx"):
            (self.folder / name).mkdir(parents=True, exist_ok=True)
        (self.folder / "portal.env").write_text(self.environment_file())
        (self.folder / "portal.env").chmod(0o600)
        try:
            self.start_postgres()
            self.run([str(BIN / "portal"), "init-db"])
            if self.demo:
                self.run([str(BIN / "portal"), "seed-demo"])
            self.start_apps(range(len(self.ports.apps)))
            self.start_unit("worker", DEPLOY / "systemd" / "portal-worker.service")
            self.start_nginx()
        except BaseException:
            self.stop()
            raise
        self.save()

    def stop(self) -> None:
        """Everything this stack started, by its process id, then its folders."""
        for name, pid in reversed(list(self.pids.items())):
            if name != "postgres":
                _end(pid)
                if pid in self.processes:
                    self.processes.pop(pid).wait()
        self.pids.clear()
        if self.pg_folder and (self.pg_folder / "data" / "PG_VERSION").exists():
            subprocess.run(
                [
                    *_as_postgres(),
                    str(_pg_bin() / "pg_ctl"),
                    "stop",
                    "-D",
                    str(self.pg_folder / "data"),
                    "-m",
                    "fast",
                    "-w",
                ],
                capture_output=True,
                check=False,
                cwd="/",
            )
        for folder in (self.pg_folder, self.folder):
            if folder:
                shutil.rmtree(folder, ignore_errors=True)
        if self.state:
            self.state.unlink(missing_ok=True)

    def start_postgres(self) -> None:
        """A cluster of its own: initdb into a temporary folder, on a loopback port, the role
        and database `portal` (password `portal`)."""
        self.pg_folder = Path(tempfile.mkdtemp(prefix="portal-stack-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.pg_folder, "postgres", "postgres")
        password_file = self.pg_folder / "password"
        password_file.write_text("portal\n")
        if os.geteuid() == 0:
            shutil.chown(password_file, "postgres", "postgres")
        data, as_postgres = self.pg_folder / "data", _as_postgres()
        pg = _pg_bin()
        self.run(
            [
                *as_postgres,
                str(pg / "initdb"),
                "-D",
                str(data),
                "-U",
                "portal",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                f"--pwfile={password_file}",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
            cwd=self.pg_folder,
        )
        options = f"-c listen_addresses=127.0.0.1 -p {self.ports.postgres} -k {self.pg_folder}"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self.run(
            [
                *as_postgres,
                str(pg / "pg_ctl"),
                "start",
                "-D",
                str(data),
                "-w",
                "-t",
                "60",
                "-l",
                str(self.pg_folder / "postgres.log"),
                "-o",
                options,
            ],
            cwd=self.pg_folder,
        )
        self.pids["postgres"] = int((data / "postmaster.pid").read_text().split()[0])
        self.run(
            [
                *as_postgres,
                str(pg / "createdb"),
                "-h",
                str(self.pg_folder),
                "-p",
                str(self.ports.postgres),
                "-U",
                "portal",
                "portal",
            ],
            cwd=self.pg_folder,
        )

    def start_apps(self, indexes) -> None:
        """App servers as portal-app@<port>.service runs them, all at once; back once every
        one is ready."""
        unit = DEPLOY / "systemd" / "portal-app@.service"
        for index in indexes:
            self.start_unit(f"app{index}", unit, instance=str(self.ports.apps[index]))
        for index in indexes:
            name = f"app{index}"
            url = f"http://127.0.0.1:{self.ports.apps[index]}/readyz"
            _wait_for(url, self.pids[name], self.log(name))

    def kill_app(self, index: int) -> None:
        """As if its machine died: SIGKILL to the gunicorn master and its workers at once."""
        pid = self.pids.pop(f"app{index}")
        os.killpg(pid, signal.SIGKILL)
        self.processes.pop(pid).wait()
        self.save()

    def start_unit(self, name: str, path: Path, instance: str = "") -> None:
        """Run a systemd unit's ExecStart with its environment, working directory and
        runtime directory, as systemd would (minus its sandboxing)."""
        unit = _read_unit(self.render(path.read_text().replace("%i", instance)))
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
        env.update(_read_environment_file(Path(unit["EnvironmentFile"][0])))
        for assignment in unit.get("Environment", []):
            name_, _, value = assignment.partition("=")
            env[name_] = value
        for runtime in unit.get("RuntimeDirectory", []):
            folder = self.folder / "run" / runtime
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
        self.pids[name] = self.spawn(
            name, shlex.split(unit["ExecStart"][0]), env, unit["WorkingDirectory"][0]
        )
        self.save()

    def start_nginx(self) -> None:
        tls = self.folder / "tls"
        self.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                str(tls / "key.pem"),
                "-out",
                str(self.certificate),
                "-days",
                "30",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
            ]
        )
        nginx = self.folder / "nginx"
        site = nginx / "portal.conf"
        site.write_text(self.render((DEPLOY / "nginx" / "portal.conf").read_text()))
        (nginx / "nginx.conf").write_text(self.main_nginx_conf(site))
        # Root's 0700 temporary folder: nginx's workers (another user) must reach their own.
        os.chmod(self.folder, 0o755)
        command = [
            "nginx",
            "-p",
            str(nginx),
            "-c",
            str(nginx / "nginx.conf"),
            "-e",
            str(self.log("nginx-error")),
        ]
        self.run([*command, "-t"])
        self.pids["nginx"] = self.spawn(
            "nginx", [*command, "-g", "daemon off;"], dict(os.environ), str(nginx)
        )
        _wait_for(f"{self.url}/readyz", self.pids["nginx"], self.log("nginx"), self.certificate)

    def main_nginx_conf(self, site: Path) -> str:
        """What Debian's /etc/nginx/nginx.conf is around the site file."""
        nginx = self.folder / "nginx"
        user = ""
        if os.geteuid() == 0:  # its workers read the project's static files as their owner
            owner = (ROOT / "static").stat()
            user = (
                f"user {pwd.getpwuid(owner.st_uid).pw_name} {grp.getgrgid(owner.st_gid).gr_name};"
            )
        temporary = "\n".join(
            f"  {kind}_temp_path {nginx / kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        return f"""{user}
worker_processes 1;
pid {nginx / "nginx.pid"};
events {{ worker_connections 512; }}
http {{
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  sendfile on;
  access_log {self.log("nginx-access")};
{temporary}
  include {site};
}}
"""

    # --- helpers -------------------------------------------------------------------------

    def log(self, name: str) -> Path:
        return self.folder / "logs" / f"{name}.log"

    def spawn(self, name: str, command: list[str], env: dict, cwd: str) -> int:
        """A process in a session of its own (so that it outlives `make stack` and its
        whole group can be signalled), its output in logs/<name>.log."""
        with open(self.log(name), "ab") as output:
            process = subprocess.Popen(
                command,
                env=env,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=output,
                start_new_session=True,
            )
        self.processes[process.pid] = process
        return process.pid

    def run(self, command: list[str], cwd: Path | None = None) -> None:
        env = {**os.environ, **_read_environment_file(self.folder / "portal.env")}
        result = subprocess.run(
            command, cwd=cwd or ROOT, env=env, capture_output=True, text=True, check=False
        )
        if result.returncode:
            raise RuntimeError(f"{shlex.join(command)} failed:\n{result.stdout}{result.stderr}")

    def save(self) -> None:
        if self.state:
            self.state.parent.mkdir(exist_ok=True)
            saved = {**asdict(self), "folder": str(self.folder), "pg_folder": str(self.pg_folder)}
            self.state.write_text(json.dumps({**saved, "state": str(self.state)}))

    @classmethod
    def saved(cls, state: Path) -> "Stack | None":
        if not state.exists():
            return None
        saved = json.loads(state.read_text())
        ports = Ports(**{**saved["ports"], "apps": tuple(saved["ports"]["apps"])})
        folders = {name: Path(saved[name]) for name in ("folder", "pg_folder", "state")}
        return cls(**{**saved, **folders, "ports": ports})


def _pg_bin() -> Path:
    versions = sorted(
        (p for p in PG_ROOT.iterdir() if (p / "bin" / "initdb").exists()), key=lambda p: int(p.name)
    )
    if not versions:
        raise RuntimeError("PostgreSQL's server is missing: apt-get install postgresql")
    return versions[-1] / "bin"


def _as_postgres() -> list[str]:
    """initdb and the server refuse to run as root: as root, run them as `postgres`."""
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _read_unit(text: str) -> dict[str, list[str]]:
    """A systemd unit's settings: each key's values in order (Environment= repeats)."""
    settings: dict[str, list[str]] = {}
    for line in text.replace("\\\n", " ").splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")) and "=" in line:
            key, _, value = line.partition("=")
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def _read_environment_file(path: Path) -> dict[str, str]:
    """KEY=value lines, shell-quoted values, comments: as systemd's EnvironmentFile reads them."""
    env = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                name, _, value = line.partition("=")
                words = shlex.split(value)
                env[name.strip()] = words[0] if words else ""
    return env


def _wait_for(url: str, pid: int, log: Path, certificate: Path | None = None) -> None:
    context = ssl.create_default_context(cafile=str(certificate)) if certificate else None
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if not _alive(pid):
            raise RuntimeError(f"{url}: the server stopped:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5, context=context) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within 90 s:\n{log.read_text()[-3000:]}")


def _alive(pid: int) -> bool:
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False  # our child, and it ended
    except ChildProcessError:
        pass  # not our child (`make stack-stop` runs in another process)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _end(pid: int, timeout: float = 30) -> None:
    """SIGTERM to the process's group (gunicorn's master stops its workers, nginx quits),
    then SIGKILL if it has not ended in time."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(pid):
        os.killpg(pid, signal.SIGKILL)


def main(action: str) -> None:
    if action == "start":
        if (running := Stack.saved(STATE)) is not None:
            sys.exit(f"A stack already runs ({running.url}): make stack-stop first.")
        stack = Stack(Path(tempfile.mkdtemp(prefix="portal-stack-")), state=STATE)
        stack.start()
        print(f"The portal runs at {stack.url} (self-signed certificate: {stack.certificate}).")
        print("Log in as camille@demo.coop, equipe@demo.coop or admin@demo.coop,", end=" ")
        print(f"password {DEMO_PASSWORD}.")
        print(
            f"Logs: {stack.folder / 'logs'}; metrics: http://127.0.0.1:{stack.ports.apps[0]}/metrics"
        )
        print("Stop it with: make stack-stop")
    elif action == "stop":
        stack = Stack.saved(STATE)
        if stack is None:
            print("No stack is running.")
            return
        stack.stop()
        print("The stack has stopped.")
    else:
        sys.exit("usage: stack.py start|stop")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "")
