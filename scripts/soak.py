#!/usr/bin/env python3
"""Soak: SIGKILL laptops and servers while they write and sync, then check exactly what survived.

    python3 scripts/soak.py [--kills 1000] [--backend sqlite|postgres|both] [--bin DIR] [--seed N]

Three laptops of one base each record days for their own participant and sync, over and over, against a
real `sunsync-server` (SQLite, or PostgreSQL in a throwaway cluster). `hours set` and `sync` are killed
(SIGKILL) at random moments, and every fifth round the server is killed while the laptops sync, then
started again. At the end, with no more kills, every laptop syncs until quiet, and the script checks:

- every write whose `hours set` finished is on every laptop with its value (each day is written once, so
  nothing is knowingly replaced); a write killed midway is there with its value, or nowhere;
- every laptop holds the same days; the server holds each op once (no id twice);
- every store is sound: SQLite's integrity check, `sunsync verify`, `sunsync-server verify`.

It prints the figures BENCHMARKS.md keeps and exits 1 on the first failed check.
"""
import argparse, datetime, json, os, random, shutil, signal, sqlite3, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEOPLE = [("张三", "31011219900315123X52"), ("李四", "31011219850620246061"), ("王五", "31011219921108357741")]


def fail(message):
    print(f"soak: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


class Server:
    def __init__(self, bin_dir, work, database):
        self.bin = os.path.join(bin_dir, "sunsync-server")
        self.data = os.path.join(work, "server")
        self.database = database
        self.process = None
        self.port = 0

    def args(self):
        return ["--data-dir", self.data] + (["--database", self.database] if self.database else [])

    def admin(self, *args):
        r = subprocess.run([self.bin, *args, *self.args()], capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"sunsync-server {' '.join(args)}: {r.stderr}")
        return r.stdout

    def start(self):
        log = open(os.path.join(os.path.dirname(self.data), "server.log"), "a")
        self.process = subprocess.Popen([self.bin, "serve", "--port", str(self.port), *self.args()],
                                        stdout=subprocess.PIPE, stderr=log, text=True)
        line = self.process.stdout.readline()
        if "listening on" not in line:
            fail(f"the server did not start: {line}")
        self.port = int(line.split("127.0.0.1:")[1].split(" ")[0])

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait()


class Laptop:
    def __init__(self, bin_dir, work, n):
        self.bin = os.path.join(bin_dir, "sunsync")
        self.home = os.path.join(work, f"laptop-{n}")
        self.name, self.cert = PEOPLE[n]
        self.env = dict(os.environ, SUNSYNC_HOME=self.home, SUNSYNC_NETWORK_TIMEOUTS="2,5,3", SUNSYNC_PASSPHRASE="soak passphrase")

    def run(self, *args, check=True):
        r = subprocess.run([self.bin, *args], capture_output=True, text=True, env=self.env)
        if check and r.returncode != 0:
            fail(f"{self.home}: sunsync {' '.join(args)}: {r.stderr}")
        return r

    def start(self, *args):
        return subprocess.Popen([self.bin, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=self.env)


def killed(process, after, rng):
    """Kills `process` after `after` seconds if it still runs: whether a SIGKILL was delivered."""
    time.sleep(after)
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
        process.wait()
        return True
    process.wait()
    return False


def hours_set(laptop, args, rng):
    """`hours set`, killed at a random moment 15 % of the time: (killed, exit status)."""
    if rng.random() >= 0.15:
        return False, laptop.run(*args, check=False).returncode
    process = laptop.start(*args)
    if killed(process, rng.uniform(0, 0.08), rng):
        return True, None
    return False, process.returncode


def soak(backend, kills_wanted, bin_dir, rng):
    work = tempfile.mkdtemp(prefix=f"sunsync-soak-{backend}-")
    cluster = None
    try:
        database = None
        if backend == "postgres":
            cluster = tempfile.mkdtemp(prefix="sunsync-soak-pg-")   # beside `work`: run as root, the cluster's user must reach it
            os.chmod(cluster, 0o755)
            port = str(rng.randrange(56000, 57000))
            database = subprocess.run(["bash", os.path.join(ROOT, "scripts/postgres-cluster.sh"), "start", cluster, port],
                                      capture_output=True, text=True, stdin=subprocess.DEVNULL).stdout.strip()
            if not database.startswith("postgres://"):
                fail("cannot start a PostgreSQL cluster (apt-get install -y postgresql)")
        server = Server(bin_dir, work, database)
        server.admin("org", "add", "--code", "MH-SB-001", "--name", "阳光之家", "--kind", "sunshine-base", "--district", "310112")
        laptops = [Laptop(bin_dir, work, n) for n in range(3)]
        server.start()
        for n, laptop in enumerate(laptops):
            token = json.loads(server.admin("device", "add", "--name", f"laptop-{n}", "--role", "staff", "--org", "MH-SB-001", "--json"))["token"]
            laptop.run("login", "--server", f"http://127.0.0.1:{server.port}", "--token", token)
            laptop.run("participant", "add", "--start", "2015-01-01", "--name", laptop.name, "--cert", laptop.cert)
            laptop.run("sync")

        expected, uncertain = {}, {}
        laptop_kills = server_kills = rounds = 0
        day = datetime.date(2016, 1, 1)
        started = time.monotonic()
        while laptop_kills + server_kills < kills_wanted:
            rounds += 1
            for n, laptop in enumerate(laptops):
                hours = rng.randrange(1, 9)
                key = (n, day.isoformat())
                was_killed, status = hours_set(laptop, ("hours", "set", laptop.name, day.isoformat(), str(hours)), rng)
                if was_killed:
                    laptop_kills += 1
                    uncertain[key] = hours * 60
                elif status == 0:
                    expected[key] = hours * 60
                else:
                    fail(f"laptop-{n}: hours set {day} exited {status}")
            day += datetime.timedelta(days=1)
            syncs = [laptop.start("sync") for laptop in laptops]
            if rounds % 5 == 0:
                time.sleep(rng.uniform(0, 0.2))
                server.kill()
                server_kills += 1
                for s in syncs:
                    s.wait()
                server.start()
            else:
                for s in syncs:
                    if killed(s, rng.uniform(0, 0.25), rng):
                        laptop_kills += 1
            if rounds % 50 == 0:
                print(f"soak {backend}: {laptop_kills + server_kills} SIGKILLs after {rounds} rounds", flush=True)
        elapsed = time.monotonic() - started

        # Quiet: everyone syncs until nothing moves, then the checks
        for _ in range(3):
            for laptop in laptops:
                laptop.run("sync")
        listings = []
        for laptop in laptops:
            days = json.loads(laptop.run("hours", "list", "--json", "--include-deleted").stdout)
            listings.append({(d["participant_id"], d["date"]): d["minutes"] for d in days})
        if any(listing != listings[0] for listing in listings):
            fail("the laptops do not hold the same days")
        by_name = {d["name"]: d["id"] for d in json.loads(laptops[0].run("participant", "list", "--json").stdout)}
        for (n, date), minutes in expected.items():
            got = listings[0].get((by_name[laptops[n].name], date))
            if got != minutes:
                fail(f"laptop-{n}'s {date} ({minutes} min, committed) is {got}")
        lost_uncertain = 0
        for (n, date), minutes in uncertain.items():
            got = listings[0].get((by_name[laptops[n].name], date))
            if got is None:
                lost_uncertain += 1
            elif got != minutes:
                fail(f"laptop-{n}'s {date}, killed while written, holds {got} instead of {minutes} or nothing")
        if database:
            counts = subprocess.run(["psql", database, "-tAc", "SELECT count(*), count(DISTINCT id) FROM ops"],
                                    capture_output=True, text=True).stdout.strip().split("|")
        else:
            with sqlite3.connect(os.path.join(server.data, "server.sqlite")) as db:
                counts = [str(v) for v in db.execute("SELECT count(*), count(DISTINCT id) FROM ops").fetchone()]
        if len(counts) != 2 or counts[0] != counts[1]:
            fail(f"the server holds an op twice: {counts}")
        for laptop in laptops:
            with sqlite3.connect(os.path.join(laptop.home, "store.sqlite")) as db:
                if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                    fail(f"{laptop.home}: the store is damaged")
            laptop.run("verify")
        server.stop()
        if not database:
            with sqlite3.connect(os.path.join(server.data, "server.sqlite")) as db:
                if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                    fail("the server's database is damaged")
        server.admin("verify")
        print(f"soak {backend}: {laptop_kills + server_kills} SIGKILLs ({laptop_kills} laptops, {server_kills} servers) in {rounds} rounds, "
              f"{elapsed:.0f} s; {len(expected)} committed writes all present on every laptop; {len(uncertain)} killed midway "
              f"({len(uncertain) - lost_uncertain} present, {lost_uncertain} absent, none altered); {counts[0]} ops on the server, none twice; "
              f"every store sound")
    finally:
        try:
            server.stop()
        except Exception:
            pass
        if cluster:
            subprocess.run(["bash", os.path.join(ROOT, "scripts/postgres-cluster.sh"), "stop", cluster], capture_output=True, stdin=subprocess.DEVNULL)
            shutil.rmtree(cluster, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kills", type=int, default=1000, help="SIGKILLs to deliver on each backend (default 1000)")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--bin", default=None, help="where sunsync and sunsync-server are (default: swift build's bin path)")
    parser.add_argument("--seed", type=int, default=None)
    a = parser.parse_args()
    bin_dir = a.bin or subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    seed = a.seed if a.seed is not None else random.randrange(1 << 30)
    print(f"soak: seed {seed}, binaries in {bin_dir}", flush=True)
    for backend in (["sqlite", "postgres"] if a.backend == "both" else [a.backend]):
        soak(backend, a.kills, bin_dir, random.Random(seed))


if __name__ == "__main__":
    main()
