"""``make bench``: Tisser against a bare Flask baseline, same gunicorn settings, same run.

Seeds the large data set (``flask seed-large``) into a temporary instance, starts Tisser and the
baseline (bench/baseline.py) under gunicorn (sync workers, ``-w 4``), drives both with wrk for the
same duration and prints requests/s, p50 and p99 of each endpoint as a ratio of the baseline,
the page weight, and writes everything to ``bench-results/<timestamp>.json``. It also measures the
references through Tisser's fixed stack (bench/stack_baseline.py), with a target of 80 % (issue
21): ``vote_pile`` with the toggle (the baseline's vote through Flask-SQLAlchemy,
Flask-Login and CSRFProtect) and ``page_pile`` with the list or the detail (the ``template`` page
from a 10 000-row table through the ORM, Flask-Login, Flask-Babel and the session).

Absolute numbers depend on the machine and on what else runs on it; the ratios to the baseline
measured in the same run are what to compare between runs.

    python bench/run.py [--db sqlite|postgresql] [--duration 5] [--connections 8]
    python bench/run.py --two-servers   # two servers on one PostgreSQL with Redis, against one
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
BIN = Path(sys.executable).parent
SECRET = "bench-secret-key-" + "x" * 40
SEED_PASSWORD = "tisser-seed-2026"
TOGGLE_USERS = 16

# (name, what it is compared with, target ratio of the baseline's requests/s or None)
TARGETS = {
    "list": ("template", 0.50),
    "detail": ("template", 0.50),  # issue 21: anonymous list and detail >= 50 % of template
    "search": ("template", None),
    "toggle": ("vote", 0.70),
    "poll": ("hello", None),
    # The public API: a page of 50 proposals in JSON (answers, associations, territory), no target yet.
    "api": ("template", None),
}
P99_TARGET_MS = 100
# Comparisons with the same page or vote through Tisser's fixed stack (bench/stack_baseline.py):
# (endpoint, reference through the stack, target ratio). Issue 21: pages and the toggle >= 80 % of
# their stack reference. The stack's floor is that reference as a share of the bare one (TARGETS).
PILE_TARGET = 0.80
INFORMATIVE = [("list", "page_pile"), ("detail", "page_pile"), ("toggle", "vote_pile")]
# The home page (issue 21): what most anonymous readers open first; compared with the same references.
TARGETS["home"] = ("template", None)
INFORMATIVE.append(("home", "page_pile"))
PILE_DESCRIPTIONS = {
    "page_pile": "la page template, données d'une table de 10 000 lignes (count + 20 lignes par l'ORM), "
    "à travers Flask-SQLAlchemy, Flask-Login, Flask-Babel et la session",
    "vote_pile": "vote à travers Flask-SQLAlchemy, Flask-Login et CSRF",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd: list[str], env: dict, **kw) -> str:
    result = subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True, text=True, **kw)
    return result.stdout


class Server:
    def __init__(self, name: str, app: str, env: dict, workers: int, cwd: Path = ROOT) -> None:
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile()
        cmd = [
            str(BIN / "gunicorn"),
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--timeout",
            "30",
            "--log-level",
            "warning",
            app,
        ]
        self.proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=self.log, stderr=self.log)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise SystemExit(f"{name} did not start:\n{self.log.read().decode(errors='replace')}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.1)
        raise SystemExit(f"{name} did not answer in 30 s")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# --- HTTP helpers (no redirects followed, cookies by hand) --------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def http(method: str, url: str, cookie: str = "", data: dict | None = None, headers: dict | None = None):
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, method=method, headers={**(headers or {})})
    if cookie:
        request.add_header("Cookie", cookie)
    try:
        response = _opener.open(request, timeout=30)
    except urllib.error.HTTPError as error:
        response = error
    with response:
        payload = response.read()
        set_cookies = response.headers.get_all("Set-Cookie") or []
        return response.status, payload, set_cookies, dict(response.headers)


def merge_cookies(cookie: str, set_cookies: list[str]) -> str:
    jar = dict(part.split("=", 1) for part in cookie.split("; ") if "=" in part)
    for header in set_cookies:
        name, value = header.split(";", 1)[0].split("=", 1)
        jar[name] = value
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def login(base: str, email: str, password: str) -> tuple[str, str]:
    """Log in through the real form; return (cookie header, CSRF token for X-CSRFToken)."""
    status, body, set_cookies, _ = http("GET", base + "/connexion")
    cookie = merge_cookies("", set_cookies)
    form_token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body).group(1).decode()
    status, body, set_cookies, _ = http(
        "POST", base + "/connexion", cookie, {"csrf_token": form_token, "email": email, "password": password}
    )
    if status != 302:
        raise SystemExit(f"log-in of {email} failed ({status})")
    cookie = merge_cookies(cookie, set_cookies)
    status, body, set_cookies, _ = http("GET", base + "/compte", cookie)
    cookie = merge_cookies(cookie, set_cookies)
    header_token = re.search(rb'"X-CSRFToken": "([^"]+)"', body).group(1).decode()
    return cookie, header_token


# --- wrk ----------------------------------------------------------------------------------------


def wrk(
    url: str, script: str, args: argparse.Namespace, env: dict | None = None, duration: float | None = None
) -> dict:
    cmd = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{max(1, round(duration or args.duration))}s",
        "--timeout",
        "10s",
        "-s",
        script,
        url,
    ]
    out = subprocess.run(
        cmd, cwd=BENCH, env={**os.environ, **(env or {})}, check=True, capture_output=True, text=True
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("WRK_JSON "))
    data = json.loads(line[len("WRK_JSON ") :])
    seconds = data["duration_us"] / 1e6
    return {
        "rps": round(data["requests"] / seconds, 1),
        "p50_ms": round(data["p50_us"] / 1000, 2),
        "p90_ms": round(data["p90_us"] / 1000, 2),
        "p99_ms": round(data["p99_us"] / 1000, 2),
        "requests": data["requests"],
        "errors": data["status_errors"] + data["socket_errors"],
    }


def measure(name: str, url: str, script: str, args, env=None) -> dict:
    wrk(url, script, args, env, duration=1)  # warm-up: imports, caches, connection pools
    result = wrk(url, script, args, env)
    print(
        f"  {name:<10} {result['rps']:>9.0f} req/s  p50 {result['p50_ms']:>6.1f} ms  p99 {result['p99_ms']:>6.1f} ms"
        f"{'  ERRORS: ' + str(result['errors']) if result['errors'] else ''}",
        flush=True,
    )
    return result


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("Installation de wrk (apt-get)…", flush=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "wrk"],
            check=True,
            stdout=subprocess.DEVNULL,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        return
    raise SystemExit("wrk est introuvable : installez-le (sudo apt-get install -y wrk) puis relancez make bench.")


# --- The run ------------------------------------------------------------------------------------


def seed(env: dict) -> tuple[int, str]:
    run([str(BIN / "flask"), "db", "upgrade"], env)
    out = run([str(BIN / "flask"), "seed-large"], env)
    print("  " + out.strip().replace("\n", "\n  "), flush=True)
    heavy = int(re.search(r"/propositions/(\d+)", out).group(1))
    return heavy, out


def toggle_users(tisser: Server, env: dict, workdir: Path) -> Path:
    """Log in seeded supporters (not association members) and pair each with a proposal."""
    sys.path.insert(0, str(ROOT))
    os.environ.update({k: v for k, v in env.items() if k in ("DATABASE_URL", "TISSER_INSTANCE_DIR", "SECRET_KEY")})
    from sqlalchemy import select

    from app import create_app
    from app.extensions import db
    from app.models import Membership, Proposal, ProposalState, User

    app = create_app()
    with app.app_context():
        members = select(Membership.user_id)
        emails = db.session.scalars(
            select(User.email)
            .where(User.email.like("seed%@tisser.seed"), User.id.not_in(members))
            .order_by(User.id.desc())
            .limit(TOGGLE_USERS)
        ).all()
        proposals = db.session.scalars(
            select(Proposal.id)
            .where(Proposal.state == ProposalState.PUBLISHED)
            .order_by(Proposal.id.desc())
            .limit(TOGGLE_USERS)
        ).all()
        db.engine.dispose()
    lines = []
    for email, proposal_id in zip(emails, proposals, strict=False):
        cookie, token = login(tisser.url, email, SEED_PASSWORD)
        path = f"/propositions/{proposal_id}/soutien"
        for _ in range(2):  # on, then off: the check leaves the data as it was
            status, *_ = http("POST", tisser.url + path, cookie, {}, {"X-CSRFToken": token, "HX-Request": "true"})
            if status != 200:
                raise SystemExit(f"toggle {path} as {email}: HTTP {status}")
        lines.append(f"{path}\t{cookie}\t{token}")
    users_file = workdir / "toggle-users.tsv"
    users_file.write_text("\n".join(lines) + "\n")
    return users_file


def vote_pile_user(pile: Server, workdir: Path) -> Path:
    """Log the stack baseline's single person in once; same file format as toggle_users."""
    status, token, set_cookies, _ = http("GET", pile.url + "/connexion")
    cookie = merge_cookies("", set_cookies)
    if status != 200 or not cookie:
        raise SystemExit(f"vote_pile: log-in failed ({status})")
    status, *_ = http("POST", pile.url + "/vote", cookie, {}, {"X-CSRFToken": token.decode()})
    if status != 200:
        raise SystemExit(f"vote_pile: POST /vote HTTP {status}")
    users_file = workdir / "vote-pile-user.tsv"
    users_file.write_text(f"/vote\t{cookie}\t{token.decode()}\n")
    return users_file


def page_weight(tisser: Server, baseline: Server, heavy: int) -> dict:
    status, body, *_ = http("GET", tisser.url + "/propositions/")
    _, reference, *_ = http("GET", baseline.url + "/modele")
    scripts = re.findall(rb'<script src="([^"]+)"', body)
    js_raw = js_gz = 0
    for src in scripts:
        _, content, *_ = http("GET", tisser.url + src.decode())
        js_raw += len(content)
        js_gz += len(gzip.compress(content, 9))
    _, detail, *_ = http("GET", f"{tisser.url}/propositions/{heavy}")
    _, home, *_ = http("GET", tisser.url + "/")
    return {
        "scripts": [s.decode().split("?")[0] for s in scripts],
        "js_bytes": js_raw,
        "js_gzip_bytes": js_gz,
        "html_home_bytes": len(home),
        "html_list_bytes": len(body),
        "html_list_gzip_bytes": len(gzip.compress(body, 6)),
        "html_baseline_template_bytes": len(reference),
        "html_baseline_template_gzip_bytes": len(gzip.compress(reference, 6)),
        "html_detail_200_comments_bytes": len(detail),
        "html_detail_200_comments_gzip_bytes": len(gzip.compress(detail, 6)),
    }


# --- Open data: the 10 000-row proposals CSV, streamed ---------------------------------------------


def _worker_pid(master: int) -> int:
    """The one worker of a ``-w 1`` gunicorn: the process whose parent is the master (it may be
    forked a moment after the master listens)."""
    deadline = time.time() + 10
    while time.time() < deadline:
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master:
                return int(stat.parent.name)
        time.sleep(0.1)
    raise SystemExit("export: no gunicorn worker found")


def _memory_kib(pid: int) -> dict[str, int]:
    """Resident memory now (VmRSS) and at its peak so far (VmHWM), in KiB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0])
    return values


class _Counting(io.RawIOBase):
    """The bytes read through it (a streamed answer has no Content-Length)."""

    def __init__(self, raw) -> None:
        self.raw, self.bytes = raw, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self.raw.readinto(buffer) or 0
        self.bytes += n
        return n


def _download_csv(url: str) -> dict:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:
        counted = _Counting(response)
        reader = csv.reader(io.TextIOWrapper(io.BufferedReader(counted), encoding="utf-8-sig", newline=""))
        next(reader)  # the header
        first_byte = time.perf_counter() - started
        rows = sum(1 for _ in reader)
    return {
        "rows": rows,
        "bytes": counted.bytes,
        "seconds": round(time.perf_counter() - started, 2),
        "first_byte_ms": round(first_byte * 1000, 1),
    }


BATCH_ROWS = 500  # app.opendata.exports.BATCH


def export_memory(serve_env: dict, servers: list) -> dict:
    """Download /donnees-ouvertes/propositions.csv from a one-worker gunicorn, first for the unit
    closest to two batches of proposals, then whole (every proposal of seed-large), reading the worker's
    peak resident memory (VmHWM) after each: streamed by batches of 500 rows, the whole file
    should raise the peak little more than the small one, where a file built in memory would
    grow with its rows."""
    from sqlalchemy import func, select

    from app import create_app
    from app.extensions import db
    from app.models import Pole
    from app.models.participation import proposal_poles

    with create_app().app_context():
        small_unit = db.session.scalar(
            select(Pole.slug)
            .join(proposal_poles)
            .group_by(Pole.slug)
            .order_by(func.abs(func.count() - 2 * BATCH_ROWS), Pole.slug)
            .limit(1)
        )
        db.engine.dispose()
    server = Server("export", "wsgi:app", serve_env, 1)
    servers.append(server)
    worker = _worker_pid(server.proc.pid)
    # Warm-up: the app, its templates and the export code loaded, a first (empty) file written.
    for path in ("/propositions/", "/donnees-ouvertes/communes.csv", "/donnees-ouvertes/propositions.json?q=zzz"):
        http("GET", server.url + path)
    before = _memory_kib(worker)
    small = _download_csv(f"{server.url}/donnees-ouvertes/propositions.csv?pole={small_unit}")
    after_small = _memory_kib(worker)
    whole = _download_csv(server.url + "/donnees-ouvertes/propositions.csv")
    after = _memory_kib(worker)
    return {
        **whole,
        "small_rows": small["rows"],
        "rss_before_kib": before["VmRSS"],
        "peak_before_kib": before["VmHWM"],
        "peak_after_small_kib": after_small["VmHWM"],
        "peak_after_kib": after["VmHWM"],
        "peak_growth_small_kib": after_small["VmHWM"] - before["VmHWM"],
        "peak_growth_kib": after["VmHWM"] - before["VmHWM"],
    }


def bytes_on_wire(tisser: Server, heavy: int) -> dict:
    """Bytes actually sent per page and per static file to a browser that accepts gzip and brotli
    (``Accept-Encoding: gzip, br``), beside the uncompressed size, and the encoding chosen."""
    _, home, *_ = http("GET", tisser.url + "/")
    paths = {
        "home": "/",
        "list": "/propositions/",
        "detail": f"/propositions/{heavy}",
        "search": "/recherche/?q=familles",
    }
    for src in re.findall(rb'<(?:script src|link rel="stylesheet" href)="([^"]+)"', home):
        paths[src.decode().split("?")[0].rsplit("/", 1)[-1]] = src.decode()
    sent = {}
    for name, path in paths.items():
        _, identity, *_ = http("GET", tisser.url + path)
        _, body, _, headers = http("GET", tisser.url + path, headers={"Accept-Encoding": "gzip, br"})
        sent[name] = {
            "path": path.split("?")[0],
            "bytes": len(identity),
            "sent_bytes": len(body),
            "encoding": headers.get("Content-Encoding", "identity"),
        }
    return sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--duration", type=float, default=5, help="secondes de mesure par adresse")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--only", nargs="+", choices=list(TARGETS), help="ne mesurer que ces adresses (et leurs références)"
    )
    parser.add_argument(
        "--data", type=Path, help="dossier de données à garder et réutiliser (SQLite : pas de nouveau seed-large)"
    )
    parser.add_argument(
        "--two-servers",
        action="store_true",
        help="deux serveurs Tisser (--workers partagés entre eux) sur un PostgreSQL, avec Redis, face à un seul",
    )
    args = parser.parse_args()
    ensure_wrk()
    if args.two_servers:
        two_servers(args)
        return

    workdir = args.data or Path(tempfile.mkdtemp(prefix="tisser-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    cluster = None
    servers: list[Server] = []
    load_before = os.getloadavg()
    try:
        if args.db == "postgresql":
            sys.path.insert(0, str(ROOT))
            from tests.pgcluster import Cluster

            cluster = Cluster().start()
            database_url = cluster.create_database("tisser_bench")
            baseline_db = cluster.create_database("baseline").replace("postgresql+psycopg://", "postgresql://")
            stack_db = cluster.create_database("baseline_stack").replace("postgresql+psycopg://", "postgresql://")
        else:
            database_url = f"sqlite:///{workdir / 'tisser.sqlite3'}"
            baseline_db = str(workdir / "baseline.sqlite3")
            stack_db = str(workdir / "baseline-stack.sqlite3")
        base_env = {k: v for k, v in os.environ.items() if not k.startswith(("TISSER_", "RATELIMIT_", "DATABASE_URL"))}
        env = {
            **base_env,
            "FLASK_APP": "wsgi",
            "DATABASE_URL": database_url,
            "SECRET_KEY": SECRET,
            "TISSER_INSTANCE_DIR": str(workdir / "instance"),
        }
        print(f"== Données : flask seed-large sur {args.db} ==", flush=True)
        seeded = workdir / "heavy-proposal"
        if args.db == "sqlite" and seeded.exists():
            heavy = int(seeded.read_text())
            print(f"  (données réutilisées : {workdir})", flush=True)
        else:
            heavy, _ = seed(env)
            # The marker stands for the SQLite file only: a PostgreSQL run with the same --data
            # (make bench runs both) must not make the next SQLite run skip its seed.
            if args.db == "sqlite":
                seeded.write_text(str(heavy))
        # Served as in production; the support limit is raised so that the toggle run is measured
        # with the limiter's own cost but never refused, and the log-in limit so that the set-up's
        # 16 log-ins from one address pass (10 per minute per worker: it depended on which worker
        # took them).
        serve_env = {
            **env,
            "TISSER_ENV": "production",
            "TISSER_RATELIMIT_SUPPORT": "1000000 per minute",
            "TISSER_RATELIMIT_LOGIN": "1000 per minute",
            # wrk from one address would hit the API's per-address limit at once.
            "TISSER_RATELIMIT_API": "100000000 per minute",
        }
        # TISSER_PAGE_CACHE_SIZE=0 make bench: the same pages without the anonymous page cache.
        if os.environ.get("TISSER_PAGE_CACHE_SIZE"):
            serve_env["TISSER_PAGE_CACHE_SIZE"] = os.environ["TISSER_PAGE_CACHE_SIZE"]
        tisser = Server("tisser", "wsgi:app", serve_env, args.workers)
        servers.append(tisser)
        baseline_env = {**base_env, "BASELINE_DATABASE": baseline_db}
        subprocess.run([sys.executable, str(BENCH / "baseline.py")], env=baseline_env, check=True)
        baseline = Server("baseline", "baseline:app", baseline_env, args.workers, cwd=BENCH)
        servers.append(baseline)
        chosen = args.only or list(TARGETS)
        # The stack references to measure, each only with the endpoints it is compared with.
        piles = {ref for name, ref in INFORMATIVE if name in chosen}
        pile = None
        if piles:
            stack_env = {**base_env, "BASELINE_STACK_DATABASE": stack_db, "BASELINE_STACK_SECRET": SECRET}
            subprocess.run([sys.executable, str(BENCH / "stack_baseline.py")], env=stack_env, check=True)
            pile = Server("pile", "stack_baseline:app", stack_env, args.workers, cwd=BENCH)
            servers.append(pile)
            if "page_pile" in piles:
                status, *_ = http("GET", pile.url + "/modele")
                if status != 200:
                    raise SystemExit(f"page_pile: GET /modele HTTP {status}")

        users_file = toggle_users(tisser, env, workdir)
        from sqlalchemy import func, select

        from app import create_app
        from app.extensions import db
        from app.models import Comment

        with create_app().app_context():
            max_comment = db.session.scalar(select(func.max(Comment.id)))
            db.engine.dispose()

        poll_path = f"/propositions/{heavy}/commentaires/nouveaux?apres={max_comment}"
        tisser_paths = {
            "list": "/propositions/",
            "detail": f"/propositions/{heavy}",
            "search": "/recherche/?q=familles",
            "poll": poll_path,
            "api": "/api/v1/proposals?limit=50",
        }
        tisser_paths["home"] = "/"
        for name, path in tisser_paths.items():
            status, *_ = http("GET", tisser.url + path)
            expected = 204 if name == "poll" else 200
            if status != expected:
                raise SystemExit(f"{path}: HTTP {status}, expected {expected}")

        print(
            f"\n== wrk : {args.threads} fils, {args.connections} connexions, {args.duration:g} s par adresse "
            f"(+1 s de chauffe), gunicorn -w {args.workers} sync ==",
            flush=True,
        )
        results: dict[str, dict] = {}
        references = {"hello": ("/", "get.lua"), "template": ("/modele", "get.lua"), "vote": ("/vote", "post.lua")}
        print("Référence (Flask nu) :", flush=True)
        for ref, (path, script) in references.items():
            if any(TARGETS[name][0] == ref for name in chosen):
                results[ref] = measure(ref, baseline.url + path, script, args)
        if pile is not None:
            print("Référence avec la pile de Tisser (Flask-SQLAlchemy, Flask-Login, Flask-Babel, CSRF) :", flush=True)
            if "page_pile" in piles:
                results["page_pile"] = measure("page_pile", pile.url + "/modele", "get.lua", args)
            if "vote_pile" in piles:
                pile_users = vote_pile_user(pile, workdir)
                results["vote_pile"] = measure(
                    "vote_pile", pile.url, "toggle.lua", args, {"TISSER_BENCH_USERS": str(pile_users)}
                )
        print("Tisser :", flush=True)
        for name, path in tisser_paths.items():
            if name in chosen:
                results[name] = measure(name, tisser.url + path, "get.lua", args)
        if "toggle" in chosen:
            results["toggle"] = measure(
                "toggle", tisser.url, "toggle.lua", args, {"TISSER_BENCH_USERS": str(users_file)}
            )
        weight = page_weight(tisser, baseline, heavy)
        wire = bytes_on_wire(tisser, heavy)
        if "page_pile" in piles:
            # Same template, real data: the two pages should weigh the same.
            _, pile_page, *_ = http("GET", pile.url + "/modele")
            weight["html_page_pile_bytes"] = len(pile_page)
        export = export_memory(serve_env, servers)
    finally:
        for server in servers:
            server.stop()
        if cluster is not None:
            cluster.stop()
        if not args.data:
            shutil.rmtree(workdir, ignore_errors=True)
    load_after = os.getloadavg()

    rows = []
    for name, (ref, target) in TARGETS.items():
        if name not in results:
            continue
        mine, base = results[name], results[ref]
        ratio = mine["rps"] / base["rps"] if base["rps"] else 0
        ok = (target is None or ratio >= target) and mine["p99_ms"] < P99_TARGET_MS and not mine["errors"]
        rows.append(
            {
                "endpoint": name,
                "baseline": ref,
                "rps": mine["rps"],
                "baseline_rps": base["rps"],
                "ratio": round(ratio, 3),
                "target_ratio": target,
                "p50_ms": mine["p50_ms"],
                "p99_ms": mine["p99_ms"],
                "baseline_p50_ms": base["p50_ms"],
                "baseline_p99_ms": base["p99_ms"],
                "errors": mine["errors"],
                "meets_targets": ok,
            }
        )
    informative = []
    for name, ref in INFORMATIVE:
        if name in results and ref in results:
            mine, base = results[name], results[ref]
            bare = TARGETS[name][0]
            informative.append(
                {
                    "endpoint": name,
                    "baseline": ref,
                    "rps": mine["rps"],
                    "baseline_rps": base["rps"],
                    "ratio": round(mine["rps"] / base["rps"], 3) if base["rps"] else 0,
                    "target_ratio": PILE_TARGET,
                    "meets_targets": bool(base["rps"]) and mine["rps"] / base["rps"] >= PILE_TARGET,
                    "p50_ms": mine["p50_ms"],
                    "p99_ms": mine["p99_ms"],
                    "baseline_p50_ms": base["p50_ms"],
                    "baseline_p99_ms": base["p99_ms"],
                    # What the fixed stack alone keeps of the bare reference.
                    "bare_baseline": bare,
                    "stack_floor_ratio": round(base["rps"] / results[bare]["rps"], 3)
                    if results.get(bare, {}).get("rps")
                    else None,
                }
            )

    print(
        f"\n== Tisser / référence ({args.db}) — charge de la machine : {load_before[0]:.1f} avant, "
        f"{load_after[0]:.1f} après ({os.cpu_count()} cœurs) =="
    )
    print(
        f"{'adresse':<8} {'référence':<9} {'req/s':>8} {'réf. req/s':>10} {'ratio':>6} {'cible':>6} "
        f"{'p50 ms':>7} {'p99 ms':>7}  "
    )
    for row in rows:
        target = f"{row['target_ratio']:.0%}" if row["target_ratio"] else "—"
        verdict = "ok" if row["meets_targets"] else "MANQUÉ"
        print(
            f"{row['endpoint']:<8} {row['baseline']:<9} {row['rps']:>8.0f} {row['baseline_rps']:>10.0f} "
            f"{row['ratio']:>6.0%} {target:>6} {row['p50_ms']:>7.1f} {row['p99_ms']:>7.1f}  {verdict}"
        )
    for row in informative:
        print(
            f"{row['endpoint']:<8} {row['baseline']:<9} {row['rps']:>8.0f} {row['baseline_rps']:>10.0f} "
            f"{row['ratio']:>6.0%} {PILE_TARGET:>6.0%} {row['p50_ms']:>7.1f} {row['p99_ms']:>7.1f}  "
            f"{'ok' if row['meets_targets'] else 'MANQUÉ'}"
        )
    print(
        f"(cible p99 < {P99_TARGET_MS} ms ; toggle = soutien activé/retiré, connecté, avec CSRF ; "
        f"poll = attente de nouveaux commentaires, 204)"
    )
    floors = {row["baseline"]: row for row in informative if row["stack_floor_ratio"] is not None}
    for ref, row in floors.items():  # once per reference, even when list and detail share it
        print(
            f"({ref} = {PILE_DESCRIPTIONS[ref]} : {row['stack_floor_ratio']:.0%} de {row['bare_baseline']}, "
            f"plancher de la pile imposée)"
        )
    page_pile_weight = (
        f" ; page_pile {weight['html_page_pile_bytes'] / 1024:.1f} Ko HTML" if "html_page_pile_bytes" in weight else ""
    )
    print(
        f"\nPoids : JavaScript {weight['js_gzip_bytes'] / 1024:.1f} Ko gzip ({weight['js_bytes'] / 1024:.1f} Ko), "
        f"liste {weight['html_list_bytes'] / 1024:.1f} Ko HTML ({weight['html_list_gzip_bytes'] / 1024:.1f} Ko gzip ; "
        f"référence template {weight['html_baseline_template_bytes'] / 1024:.1f} Ko HTML, "
        f"{weight['html_baseline_template_gzip_bytes'] / 1024:.1f} Ko gzip{page_pile_weight}), "
        f"proposition détaillée (la plus commentée) {weight['html_detail_200_comments_bytes'] / 1024:.1f} Ko HTML "
        f"({weight['html_detail_200_comments_gzip_bytes'] / 1024:.1f} Ko gzip)"
    )
    print(
        f"Export CSV des propositions (données ouvertes, un worker) : {export['rows']} lignes, "
        f"{export['bytes'] / 1024 / 1024:.1f} Mo en {export['seconds']:.2f} s "
        f"(premier octet {export['first_byte_ms']:.0f} ms) ; pic de mémoire du worker "
        f"+{export['peak_growth_small_kib'] / 1024:.1f} Mo pour {export['small_rows']} lignes, "
        f"+{export['peak_growth_kib'] / 1024:.1f} Mo pour {export['rows']} "
        f"(de {export['peak_before_kib'] / 1024:.1f} à {export['peak_after_kib'] / 1024:.1f} Mo)"
    )

    print("\nOctets envoyés (Accept-Encoding: gzip, br) :")
    for name, row in wire.items():
        print(
            f"  {name:<14} {row['sent_bytes'] / 1024:>6.1f} Ko envoyés ({row['encoding']:<8}) "
            f"pour {row['bytes'] / 1024:>6.1f} Ko  {row['path']}"
        )

    out_dir = ROOT / "bench-results"
    out_dir.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    out = out_dir / f"{stamp}-{args.db}.json"
    out.write_text(
        json.dumps(
            {
                "timestamp": stamp,
                "db": args.db,
                "settings": {
                    "workers": args.workers,
                    "worker_class": "sync",
                    "duration_s": args.duration,
                    "connections": args.connections,
                    "threads": args.threads,
                },
                "machine": {"cpus": os.cpu_count(), "loadavg_before": load_before, "loadavg_after": load_after},
                "raw": results,
                "table": rows,
                "informative": informative,
                "page_weight": weight,
                "opendata_export": export,
                "bytes_on_wire": wire,
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    print(f"\nRésultats : {out.relative_to(ROOT)}")


# --- Two servers (--two-servers) ----------------------------------------------------------------

# Settings naming a store every server must share, all given the same Redis: rate limits and the
# response cache's Redis store (issue 21; a name no setting reads is harmless). Same list as
# tests/test_two_servers.py.
SHARED_STORE_SETTINGS = ("RATELIMIT_STORAGE_URI", "TISSER_PAGE_CACHE_REDIS_URL")


def wrk_on_both(urls: list[str], script: str, args, env=None) -> dict:
    """One wrk per server at the same time, each with its share of the connections: summed req/s,
    the worse p99 of the two."""
    from concurrent.futures import ThreadPoolExecutor

    share = argparse.Namespace(
        **{**vars(args), "connections": max(1, args.connections // 2), "threads": max(1, args.threads // 2)}
    )
    for url in urls:
        wrk(url, script, share, env, duration=1)  # warm-up
    with ThreadPoolExecutor(max_workers=len(urls)) as pool:
        parts = list(pool.map(lambda url: wrk(url, script, share, env), urls))
    return {
        "rps": round(sum(p["rps"] for p in parts), 1),
        "p50_ms": max(p["p50_ms"] for p in parts),
        "p99_ms": max(p["p99_ms"] for p in parts),
        "requests": sum(p["requests"] for p in parts),
        "errors": sum(p["errors"] for p in parts),
        "per_server_rps": [p["rps"] for p in parts],
    }


def check_counts(users_file: Path, env: dict, urls: list[str]) -> list[dict]:
    """After the toggles: each toggled proposal's counter equals its support rows, and every server's
    page shows that number."""
    from sqlalchemy import func, select

    from app import create_app
    from app.extensions import db
    from app.models import Proposal, Support

    ids = sorted({int(line.split("\t")[0].split("/")[2]) for line in users_file.read_text().splitlines() if line})
    checks = []
    with create_app().app_context():
        for proposal_id in ids:
            rows = db.session.scalar(
                select(func.count()).select_from(Support).where(Support.proposal_id == proposal_id)
            )
            counter = db.session.get(Proposal, proposal_id).support_count
            shown = []
            for url in urls:
                _, page, *_ = http("GET", f"{url}/propositions/{proposal_id}")
                found = re.search(rb'id="soutien-compte"[^>]*>\s*(\d+) soutien', page)
                shown.append(int(found.group(1)) if found else None)
            checks.append({"proposal": proposal_id, "rows": rows, "counter": counter, "shown": shown})
        db.engine.dispose()
    return checks


def two_servers(args: argparse.Namespace) -> None:
    """Two Tisser servers on one PostgreSQL and one Redis (rate limits, shared cache), each with half of
    --workers, against one server with all of them, on the same data and in the same run: list and
    toggle, wrk on both servers at once, req/s summed; then the counts checked in the database and in
    each server's page. On one machine the two servers share its cores: this measures what sharing
    costs (Redis, the database seen by two pools), not what a second machine would add."""
    sys.path.insert(0, str(ROOT))
    from tests.pgcluster import Cluster
    from tests.redisserver import RedisServer

    workdir = Path(tempfile.mkdtemp(prefix="tisser-bench-2-"))
    cluster = redis = None
    servers: list[Server] = []
    results: dict[str, dict] = {}
    load_before = os.getloadavg()
    try:
        cluster = Cluster().start()
        redis = RedisServer().start()
        database_url = cluster.create_database("tisser_bench")
        base_env = {k: v for k, v in os.environ.items() if not k.startswith(("TISSER_", "RATELIMIT_", "DATABASE_URL"))}
        env = {
            **base_env,
            "FLASK_APP": "wsgi",
            "DATABASE_URL": database_url,
            "SECRET_KEY": SECRET,
            "TISSER_INSTANCE_DIR": str(workdir / "instance"),
        }
        print("== Données : flask seed-large sur postgresql ==", flush=True)
        heavy, _ = seed(env)
        serve_env = {
            **env,
            "TISSER_ENV": "production",
            "TISSER_RATELIMIT_SUPPORT": "1000000 per minute",
            "TISSER_RATELIMIT_LOGIN": "1000 per minute",
            **{name: redis.url for name in SHARED_STORE_SETTINGS},
        }
        half = max(1, args.workers // 2)
        single = Server("tisser", "wsgi:app", serve_env, args.workers)
        pair = [Server(f"tisser-{n}", "wsgi:app", serve_env, half) for n in ("a", "b")]
        servers += [single, *pair]
        # Logged in on server A; the signed session cookie is as good on B (and on the single one).
        users_file = toggle_users(pair[0], env, workdir)
        urls = [s.url for s in pair]
        print(
            f"\n== wrk : {args.connections} connexions en tout, {args.duration:g} s par adresse ; "
            f"un serveur -w {args.workers} puis deux serveurs -w {half} (un wrk par serveur, en même temps) ==",
            flush=True,
        )
        toggle_env = {"TISSER_BENCH_USERS": str(users_file)}
        print("Un serveur :", flush=True)
        results["list_one"] = measure("list", single.url + "/propositions/", "get.lua", args)
        results["detail_one"] = measure("detail", f"{single.url}/propositions/{heavy}", "get.lua", args)
        results["toggle_one"] = measure("toggle", single.url, "toggle.lua", args, toggle_env)
        print("Deux serveurs :", flush=True)
        for name, path, script, extra in (
            ("list", "/propositions/", "get.lua", None),
            ("detail", f"/propositions/{heavy}", "get.lua", None),
            ("toggle", "", "toggle.lua", toggle_env),
        ):
            both = wrk_on_both([url + path for url in urls], script, args, extra)
            results[f"{name}_two"] = both
            print(
                f"  {name:<10} {both['rps']:>9.0f} req/s  ({' + '.join(f'{r:.0f}' for r in both['per_server_rps'])})"
                f"  p50 {both['p50_ms']:>6.1f} ms  p99 {both['p99_ms']:>6.1f} ms"
                f"{'  ERRORS: ' + str(both['errors']) if both['errors'] else ''}",
                flush=True,
            )
        checks = check_counts(users_file, env, [single.url, *urls])
    finally:
        for server in servers:
            server.stop()
        if redis is not None:
            redis.stop()
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    load_after = os.getloadavg()

    exact = all(c["rows"] == c["counter"] and c["shown"] == [c["counter"]] * len(c["shown"]) for c in checks)
    print(
        "\n== Deux serveurs / un serveur (postgresql, Redis pour les limites et le cache partagé) — charge de la "
        f"machine : {load_before[0]:.1f} avant, {load_after[0]:.1f} après ({os.cpu_count()} cœurs) =="
    )
    for name in ("list", "detail", "toggle"):
        one, two = results[f"{name}_one"], results[f"{name}_two"]
        print(
            f"{name:<8} un {one['rps']:>7.0f} req/s  deux {two['rps']:>7.0f} req/s  "
            f"({two['rps'] / one['rps']:.0%})  p99 {one['p99_ms']:.1f} / {two['p99_ms']:.1f} ms"
        )
    print(
        f"Comptes après les bascules : {len(checks)} propositions, "
        + ("compteur = lignes = page de chaque serveur" if exact else f"ÉCART : {checks}")
    )
    out_dir = ROOT / "bench-results"
    out_dir.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    out = out_dir / f"{stamp}-two-servers.json"
    settings = {"workers_single": args.workers, "workers_each_of_two": max(1, args.workers // 2)}
    settings |= {"duration_s": args.duration, "connections": args.connections, "threads": args.threads}
    out.write_text(
        json.dumps(
            {
                "timestamp": stamp,
                "db": "postgresql",
                "settings": settings,
                "machine": {"cpus": os.cpu_count(), "loadavg_before": load_before, "loadavg_after": load_after},
                "raw": results,
                "counts": checks,
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    print(f"\nRésultats : {out.relative_to(ROOT)}")
    if not exact:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
