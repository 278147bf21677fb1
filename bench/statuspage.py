"""The public status page under a crowd of readers, against a bare endpoint of the same server.

Starts `warroom serve --no-worker` (SQLite in a fresh temp data dir, or --database-url PostgreSQL),
creates 30 public components (one per service, in 3 groups), declares a public SEV1 on three of
them and posts 20 public updates, then, from --concurrency client threads with keep-alive, for
--seconds each, one endpoint after the other:

    GET /healthz                 the baseline: no auth, one `SELECT 1` (a bare endpoint)
    GET /static/status.css       a static file: no database at all (a second reference)
    GET /status                  the HTML page
    GET /api/v2/summary.json     Statuspage's summary
    GET /api/v2/summary.json     with If-None-Match (a reader revalidating: 304)
    GET /status                  while a public update is posted every second (the cache is rebuilt)

Prints requests/s, p50 and p99 of each, and throughput ÷ the baseline; the target is at least 0.7.
The clients run in this process and share the machine's CPUs with the server, alike for every row;
they ask for gzip, as browsers do, and read each body as sent without inflating it (a reader's
browser does that on its own machine).

    .venv/bin/python bench/statuspage.py                        # SQLite, 4 clients, 8 s each
    .venv/bin/python bench/statuspage.py --seconds 3            # a quick try
    .venv/bin/python bench/statuspage.py \\
        --database-url postgresql+psycopg://warroom:warroom@127.0.0.1:5432/warroom_bench
"""

from __future__ import annotations

import argparse
import platform
import threading
import time
from datetime import datetime, timedelta, timezone

import httpx

from _common import Sample, load_args, machine, make_admin, print_table, served, timed

COMPONENTS = 30
UPDATES = 20
TARGET = 0.7


def next_update() -> str:
    return (datetime.now(timezone.utc) + timedelta(minutes=30)).isoformat()


def post_update(http: httpx.Client, ref: str, n: int) -> None:
    timed(lambda: http.post(f"/api/v1/incidents/{ref}/updates", json={
        "audience": "public", "whats_happening": f"Card payments fail for most customers (update {n}).",
        "who_is_affected": "Customers paying by card in every region.",
        "what_we_are_doing": "Rolling back the payment client and failing over the processor.",
        "next_update_at": next_update()}), 201)


def setup(base_url: str, token: str) -> str:
    """30 components in 3 groups, an active public SEV1 on three of them with 20 public updates."""
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
        for group in ("Web", "API", "Payments"):
            timed(lambda: http.post("/api/v1/status/component-groups", json={"name": group}), 201)
        for n in range(COMPONENTS):
            name = f"service-{n:02d}"
            timed(lambda: http.post("/api/v1/services", json={"name": name}), 201)
            timed(lambda: http.post("/api/v1/status/components", json={
                "name": f"Component {n:02d}", "service": name, "group": ("Web", "API", "Payments")[n % 3],
                "position": n, "description": f"What customers call part {n}."}), 201)
        declared = http.post("/api/v1/incidents", json={
            "title": "Card payments fail", "severity": "SEV1", "visibility": "public",
            "services": ["service-00", "service-01", "service-02"], "commander": "bench@example.com"})
        if declared.status_code != 201:
            raise RuntimeError(f"declare: {declared.status_code} {declared.text}")
        ref = declared.json()["ref"]
        for n in range(UPDATES):
            post_update(http, ref, n)
        return ref


def sizes(base_url: str, path: str) -> tuple[int, int]:
    plain = httpx.get(f"{base_url}{path}", headers={"Accept-Encoding": "identity"})
    sent = httpx.get(f"{base_url}{path}")  # httpx asks for gzip by default: Content-Length is what was sent
    return len(plain.content), int(sent.headers["content-length"])


def fetch(http: httpx.Client, path: str) -> httpx.Response:
    """One GET, its body read as sent (gzipped when the server compressed it) and not inflated: a
    reader's browser inflates on its own machine, while these clients share the server's CPUs."""
    with http.stream("GET", path) as response:
        for _ in response.iter_raw():
            pass
    return response


def load(base_url: str, path: str, seconds: float, concurrency: int, *, headers: dict | None = None,
         expect: int = 200, during=None) -> Sample:
    """`concurrency` keep-alive clients request `path` for `seconds`; `during` runs beside them."""
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors: list[BaseException] = []
    stop = time.perf_counter() + seconds

    def reader(index: int) -> None:
        try:
            with httpx.Client(base_url=base_url, headers=headers or {}, timeout=30) as http:
                for _ in range(5):  # connect and warm up, untimed
                    timed(lambda: fetch(http, path), expect)
                while time.perf_counter() < stop:
                    latencies[index].append(timed(lambda: fetch(http, path), expect))
        except BaseException as exc:  # noqa: BLE001 - reported in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=reader, args=(i,), daemon=True) for i in range(concurrency)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    if during is not None:
        during(stop)
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    label = f"GET {path}" + (" (If-None-Match: 304)" if headers else "")
    return Sample(label, [x for part in latencies for x in part], time.perf_counter() - start)


def main() -> None:
    args = load_args(__doc__)
    with served(args) as (env, base_url, database):
        token = make_admin(env)
        ref = setup(base_url, token)
        etag = httpx.get(f"{base_url}/api/v2/summary.json").headers["etag"]
        summary = httpx.get(f"{base_url}/api/v2/summary.json").json()
        assert summary["status"]["indicator"] == "critical", summary["status"]
        assert len(summary["components"]) == COMPONENTS + 3, len(summary["components"])
        assert len(summary["incidents"][0]["incident_updates"]) == UPDATES
        print("response sizes, bytes plain / as sent gzipped: "
              + ", ".join(f"{path} {plain:,} / {sent:,}" for path, (plain, sent) in
                          ((path, sizes(base_url, path)) for path in ("/status", "/api/v2/summary.json"))))
        print(f"measuring over HTTP ({machine()})")
        samples = [load(base_url, path, args.seconds, args.concurrency)
                   for path in ("/healthz", "/static/status.css", "/status", "/api/v2/summary.json")]
        samples.append(load(base_url, "/api/v2/summary.json", args.seconds, args.concurrency,
                            headers={"If-None-Match": etag}, expect=304))
        posted = [0]

        def one_update_a_second(stop: float) -> None:
            with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}) as http:
                while time.perf_counter() < stop:
                    post_update(http, ref, UPDATES + posted[0])
                    posted[0] += 1
                    time.sleep(max(0.0, min(1.0, stop - time.perf_counter())))

        changing = load(base_url, "/status", args.seconds, args.concurrency, during=one_update_a_second)
        changing.name = f"GET /status, {posted[0]} public updates posted meanwhile"
        samples.append(changing)
    report(args, database, samples)


def report(args: argparse.Namespace, database: str, samples: list[Sample]) -> None:
    baseline = samples[0]
    print(f"\nwarroom status page bench  {datetime.now():%Y-%m-%d %H:%M}  database={database}  "
          f"clients={args.concurrency}  seconds each={args.seconds:g}  python={platform.python_version()}")
    print(f"An active public SEV1 with {UPDATES} public updates, {COMPONENTS} components in 3 groups. "
          f"After the run: {machine()}.\n")
    rows = []
    for sample in samples:
        ratio = sample.rate / baseline.rate
        if sample is baseline or "static" in sample.name:
            verdict = ""
        elif "meanwhile" in sample.name:
            verdict = "(not a target)"  # one update a second is far past any real cadence
        else:
            verdict = "PASS" if ratio >= TARGET else "FAIL"
        rows.append([sample.name, f"{len(sample.latencies):,}", f"{sample.rate:,.0f}", f"{sample.ms(50):.2f}",
                     f"{sample.ms(99):.2f}", f"{ratio:.2f}", verdict])
    print_table(["request", "n", "req/s", "p50 ms", "p99 ms", "req/s ÷ healthz", f"≥ {TARGET}"], rows)


if __name__ == "__main__":
    main()
