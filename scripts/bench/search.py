"""The search benchmark (issue #20, item 5; docs/scheduling.md "Search").

    scripts/bench-search [--requests 200] [--meetings 100000] [--messages 1000000]

Starts meet-api on the scratch database (its migrations make the schema and
the search indexes), registers three accounts through the API, then loads
the rest with one psql script of `INSERT … SELECT … generate_series`:

- 20 000 accounts named from 40 first and 50 last names;
- `--meetings` meetings titled with three words of a 500-word vocabulary
  (made of syllables), one in ten owned by the *heavy* account (so it has
  10 000), the rest by the other accounts; 30 % scheduled, with a five-word
  agenda; the *light* account is a member of 50;
- `--messages` chat messages of eight vocabulary words: a fifth in one
  meeting of the heavy account (200 000), the rest eight per meeting; one
  in 10 000 also holds the rare word `zephyr`.

Then `VACUUM ANALYZE` (the steady state autovacuum keeps), and `--requests` sequential requests per kind on one
keep-alive connection, each with a random word, printing p50/p95/max in
milliseconds and whether p95 is under 50 ms. Not a test: it prints.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "Tests" / "e2e"))
from meet_e2e.env import database_url_from_env  # noqa: E402
from meet_e2e.stack import Rest, Service  # noqa: E402

GOAL_P95_MS = 50.0
SYLLABLES_A = "ka lo mi re su ta ne po vi da be go hu fi ja ko le mu no pe".split()
SYLLABLES_B = "ran tel mos vin dar lek sup tor gim bax nel fop ril cud mev zan hol pik sut wem ald bry cog dun eft".split()
VOCABULARY = [a + b for b in SYLLABLES_B for a in SYLLABLES_A]  # 500 words
FIRST = ("Ada Grace Alan Edsger Barbara Donald Ken Dennis Linus Margaret Radia Frances Leslie Tony Niklaus "
         "John Guido Bjarne James Anders Yukihiro Rob Robert Brian Larry Sophie Hedy Karen Shafi Silvio "
         "Whitfield Martin Butler Ivan Jean Peter Michael David Andrew Tim").split()
LAST = ("Lovelace Hopper Turing Dijkstra Liskov Knuth Thompson Ritchie Torvalds Hamilton Perlman Allen Lamport "
        "Hoare Wirth McCarthy Rossum Stroustrup Gosling Hejlsberg Matsumoto Pike Griesemer Kernighan Wall Wilson "
        "Lamarr Jones Goldwasser Micali Diffie Hellman Lampson Sutherland Ichbiah Kleinrock Mockapetris Stonebraker "
        "Patterson Hennessy Berners Cerf Kahn Engelbart Kay Backus Naur Floyd Tarjan Hartmanis").split()


def sql_array(words: list[str]) -> str:
    return "ARRAY[" + ",".join(f"'{w}'" for w in words) + "]"


def load_script(heavy: str, light: str, big: str, meetings: int, messages: int) -> str:
    vocab, n = sql_array(VOCABULARY), len(VOCABULARY)
    word = f"({vocab})[1 + floor(random() * {n})::int]"
    words = lambda k: " || ' ' || ".join([word] * k)  # noqa: E731
    letter = lambda k: f"chr(97 + ((g / {26 ** k}) % 26)::int)"  # noqa: E731
    code = "'zzz-' || " + " || ".join(letter(k) for k in range(4)) + " || '-' || " + " || ".join(letter(k) for k in range(4, 7))
    big_messages = messages // 5
    per_meeting = max(1, (messages - big_messages) // meetings)
    return f"""
\\set ON_ERROR_STOP on
SET synchronous_commit = off;
SET maintenance_work_mem = '256MB';
INSERT INTO users (id, email, password_hash, display_name)
SELECT gen_random_uuid(), 'bench-' || g || '@example.com', 'x',
       ({sql_array(FIRST)})[1 + g % {len(FIRST)}] || ' ' || ({sql_array(LAST)})[1 + (g / {len(FIRST)}) % {len(LAST)}]
FROM generate_series(1, 20000) g;
CREATE TEMP TABLE filler AS
    SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM users WHERE email LIKE 'bench-%';
CREATE INDEX ON filler (n);
INSERT INTO meetings (id, code, title, owner_id, created_at)
SELECT gen_random_uuid(), {code}, initcap({words(3)}),
       CASE WHEN g % 10 = 0 THEN '{heavy}'::uuid ELSE f.id END,
       now() - make_interval(mins => g)
FROM generate_series(1, {meetings}) g JOIN filler f ON f.n = g % 20000;
INSERT INTO members (meeting_id, user_id, role)
SELECT id, owner_id, 'owner' FROM meetings WHERE code LIKE 'zzz-%';
INSERT INTO members (meeting_id, user_id, role)
SELECT id, '{light}'::uuid, 'attendee' FROM meetings WHERE code LIKE 'zzz-%' AND owner_id <> '{heavy}'::uuid LIMIT 50;
INSERT INTO meeting_schedules (meeting_id, starts_at, ends_at, time_zone, description)
SELECT id, s, s + interval '1 hour', 'UTC', initcap({words(5)})
FROM (SELECT id, timestamptz '2030-01-01' + make_interval(hours => (random() * 24 * 365)::int) AS s
      FROM meetings WHERE code LIKE 'zzz-%' AND random() < 0.3) x;
INSERT INTO messages (meeting_id, user_id, display_name, body, created_at)
SELECT '{big}'::uuid, '{heavy}'::uuid, 'Heavy',
       {words(8)} || CASE WHEN g % 10000 = 0 THEN ' zephyr' ELSE '' END, now() - make_interval(secs => {big_messages} - g)
FROM generate_series(1, {big_messages}) g;
INSERT INTO messages (meeting_id, user_id, display_name, body, created_at)
SELECT m.id, m.owner_id, 'Filler', {words(8)} || CASE WHEN random() < 0.0001 THEN ' zephyr' ELSE '' END, m.created_at
FROM meetings m CROSS JOIN generate_series(1, {per_meeting}) k WHERE m.code LIKE 'zzz-%';
VACUUM ANALYZE;
\pset footer off
SELECT (SELECT count(*) FROM meetings) AS meetings, (SELECT count(*) FROM messages) AS messages,
       (SELECT count(*) FROM users) AS users, pg_size_pretty(pg_database_size(current_database())) AS size;
"""


class Client:
    """One keep-alive connection; times each GET."""

    def __init__(self, base_url: str, token: str):
        host, port = base_url.removeprefix("http://").split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=30)
        self.token = token

    def get(self, path: str) -> tuple[float, int, dict]:
        start = time.perf_counter()
        self.connection.request("GET", path, headers={"Authorization": f"Bearer {self.token}"})
        response = self.connection.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - start) * 1000
        return elapsed, response.status, json.loads(body)


def measure(name: str, client: Client, paths, requests: int) -> tuple[str, float, float, float, float]:
    client.get(paths())  # warm the connection and the plan cache
    times, found = [], []
    for _ in range(requests):
        elapsed, status, body = client.get(paths())
        assert status == 200, (name, status, body)
        times.append(elapsed)
        found.append(len(body["items"]))
    times.sort()
    p50 = statistics.median(times)
    p95 = times[int(len(times) * 0.95) - 1]
    return name, p50, p95, times[-1], statistics.mean(found)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--meetings", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    args = parser.parse_args()
    database = database_url_from_env()
    work = Path(tempfile.mkdtemp(prefix="meet-bench-search-"))
    api = Service("meet-api", "meet-api", work, {
        "MEET_ENV": "development", "MEET_LOG_LEVEL": "warning", "MEET_DATABASE_URL": database,
        "MEET_JWT_SECRET": "bench-" + uuid.uuid4().hex + uuid.uuid4().hex, "MEET_BCRYPT_COST": "4",
        "MEET_USER_SEARCH_RATE_LIMIT": "1000000", "MEET_ACCESS_TOKEN_TTL_SECONDS": "3600"})
    try:
        rest = Rest(api.base_url)
        tokens, ids = {}, {}
        for name in ("heavy", "light"):
            auth = rest.call("POST", "/v1/auth/register", {
                "email": f"{name}-{uuid.uuid4().hex[:6]}@example.com", "password": "bench-password", "displayName": name},
                expect=201)
            tokens[name], ids[name] = auth["accessToken"], auth["user"]["id"]
        big = rest.call("POST", "/v1/meetings", {"title": "The big chat"}, tokens["heavy"], expect=201)
        started = time.perf_counter()
        script = load_script(ids["heavy"], ids["light"], big["id"], args.meetings, args.messages)
        loaded = subprocess.run(["psql", database, "-q", "-X", "-A", "-F", " ", "-c", "\\timing off", "-f", "-"],
                                input=script, text=True, capture_output=True)
        if loaded.returncode != 0:
            raise SystemExit(f"load failed: {loaded.stderr[-2000:]}")
        load_s = time.perf_counter() - started
        print(f"loaded in {load_s:.0f} s: {loaded.stdout.strip().splitlines()[-1]} (meetings messages users size)")
        small = subprocess.run(["psql", database, "-q", "-X", "-A", "-t", "-c",
                                "SELECT code FROM meetings WHERE code LIKE 'zzz-%' ORDER BY random() LIMIT 200"],
                               text=True, capture_output=True, check=True).stdout.split()
        # The small meetings' owners are filler accounts; the heavy account reads them as a member would.
        subprocess.run(["psql", database, "-q", "-X", "-c",
                        f"INSERT INTO members (meeting_id, user_id, role) SELECT id, '{ids['heavy']}', 'attendee' "
                        f"FROM meetings WHERE code IN ({','.join(repr(c) for c in small)}) ON CONFLICT DO NOTHING"],
                       check=True, capture_output=True)
        heavy, light = Client(api.base_url, tokens["heavy"]), Client(api.base_url, tokens["light"])
        word = lambda: random.choice(VOCABULARY)  # noqa: E731

        def window() -> str:
            day = random.randint(1, 350)
            return f"from={day_iso(day)}&to={day_iso(day + 7)}"

        big_code = big["code"]
        kinds = [
            ("meetings: title/agenda word, 10k own", heavy, lambda: f"/v1/meetings/search?q={word()}"),
            ("meetings: title/agenda word, 50 own", light, lambda: f"/v1/meetings/search?q={word()}"),
            ("meetings: one week, 10k own", heavy, lambda: f"/v1/meetings/search?{window()}"),
            ("meetings: word + one week, 10k own", heavy, lambda: f"/v1/meetings/search?q={word()}&{window()}"),
            ("users: name part (20k accounts)", heavy, lambda: f"/v1/users/search?q={random.choice(FIRST)[:4]}"),
            ("users: exact email", heavy, lambda: f"/v1/users/search?email=bench-{random.randint(1, 20000)}@example.com"),
            ("chat: common word, 200k-message meeting", heavy, lambda: f"/v1/meetings/{big_code}/messages?q={word()}"),
            ("chat: two words, 200k-message meeting", heavy, lambda: f"/v1/meetings/{big_code}/messages?q={word()}%20{word()}"),
            ("chat: rare word, 200k-message meeting", heavy, lambda: f"/v1/meetings/{big_code}/messages?q=zephyr"),
            ("chat: word, 8-message meeting", heavy, lambda: f"/v1/meetings/{random.choice(small)}/messages?q={word()}"),
        ]
        print(f"{'query (sequential, ' + str(args.requests) + ' each)':52} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'items':>6}  p95 < 50 ms")
        for name, client, path in kinds:
            name, p50, p95, worst, items = measure(name, client, path, args.requests)
            print(f"{name:52} {p50:8.1f} {p95:8.1f} {worst:8.1f} {items:6.1f}  {'yes' if p95 < GOAL_P95_MS else 'NO'}")
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        shutil.rmtree(work, ignore_errors=True)  # kept (with meet-api.log) when something failed
    finally:
        api.stop()


def day_iso(day: int) -> str:
    return (datetime(2030, 1, 1, tzinfo=timezone.utc) + timedelta(days=day)).strftime("%Y-%m-%dT%H:%M:%SZ")


if __name__ == "__main__":
    main()
