"""Benchmark of automatic answers and of the question inbox (docs/questions.md).

    .venv/bin/python bench/auto_answer.py                       # 10 questions/s for 60 s
    .venv/bin/python bench/auto_answer.py --rate 5 --duration 20 --stored 20000

1. Auto-answer latency. The sandbox runs in this process with its activity simulator
   limited to questions to one seller (POST /_sandbox/activity {"rate", "kinds":
   ["question"], "seller_id"}); the service runs here too, on its own PostgreSQL database
   (next to MELI_TEST_DATABASE_URL's, dropped after) with the in-process worker, the real
   gateway over loopback and the REST app receiving the sandbox's notifications. The
   seller has 20 rules: 10 match some of the texts the simulated buyers ask (stock,
   shipping, warranty, invoices, pick-up...), 10 match none of them. For every question the
   latency runs from its creation on the sandbox to its answer stored on the sandbox
   (the sandbox's own clock for both). Checked after the run: every question a rule
   matches was answered exactly once, with that rule's text, and no other question was
   answered.
2. The inbox. 100,000 questions are stored for one account (20% unanswered) and
   `GET /questions?account_id=` (the default order: unanswered oldest first), with a
   status filter, a deep page and a text search are timed through the REST app (p50/p95
   of each; the target applies to the first two, what sellers page through).

Targets: auto-answer p95 under 2 s with every matching question answered once
and no other answered; inbox p95 under 50 ms on PostgreSQL. Prints the figures and writes
bench/results/auto_answer.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiohttp.test_utils import TestClient, TestServer  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402

from adapters.crypto.fernet import generate_key  # noqa: E402
from adapters.sql.migrate import upgrade  # noqa: E402
from domain.answer_rules import AnswerRule, normalise  # noqa: E402
from domain.questions import Question, QuestionStatus  # noqa: E402
from entrypoints.container import build_container, start, stop  # noqa: E402
from entrypoints.http.app import create_app  # noqa: E402
from entrypoints.settings import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, Settings  # noqa: E402
from entrypoints.worker.runtime import build_worker  # noqa: E402
from sandbox.market.questions import QUESTIONS_ES, QUESTIONS_PT  # noqa: E402
from sandbox.testing import running_sandbox  # noqa: E402
from tests.helpers import connect_seller  # noqa: E402
from tests.isolation import own_postgres_database  # noqa: E402

API_KEY = "bench-key-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
DEFAULT_DATABASE = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
TARGET_P95_SECONDS = 2.0
TARGET_INBOX_P95_MS = 50.0
# The queries sellers page through; the text search and deep pages are reported only.
INBOX_QUERIES_WITH_TARGET = ("default_order", "unanswered")

# (keywords, answer): ten rules for what buyers ask (colours and the unit price have none,
# so those questions stay unanswered), ten for what they never ask.
MATCHING = [
    (["stock"], "Sí, hay stock disponible."),
    (["envio", "envian"], "Hacemos envíos a todo el país."),
    (["original", "garantia"], "Es original y tiene garantía."),
    (["factura"], "Sí, emitimos factura."),
    (["tarda", "demora"], "Llega en 3 a 5 días hábiles."),
    (["retirar"], "Podés retirar en persona."),
    (["nota fiscal"], "Emitimos nota fiscal."),
    (["estoque"], "Sim, temos estoque."),
    (["nordeste"], "Enviamos para todo o Brasil."),
    (["quanto tempo"], "Chega em 3 a 5 dias úteis."),
]
NEVER = [
    ["cuotas"],
    ["mayorista"],
    ["usado"],
    ["talle"],
    ["voltaje"],
    ["devolucion"],
    ["descuento"],
    ["manual"],
    ["mercado pago"],
    ["fin de semana"],
]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def expected_answer(text: str) -> str | None:
    """The answer of the first rule (by priority, as the service tries them) matching."""
    probe = normalise(text)
    for index, (keywords, answer) in enumerate(MATCHING):
        rule = AnswerRule(f"r{index}", 1, keywords=tuple(keywords), priority=100 - index)
        if rule.matches_text(probe):
            return answer
    return None


async def configure_rules(client: TestClient, account_id: int) -> None:
    for index, (keywords, answer) in enumerate(MATCHING):
        template = await (
            await client.post(
                "/templates",
                json={"name": f"t{index}", "kind": "answer", "text": answer},
                headers=AUTH,
            )
        ).json()
        response = await client.post(
            "/questions/rules",
            json={
                "name": f"rule {index}",
                "template_id": template["id"],
                "keywords": keywords,
                "priority": 100 - index,
                "account_ids": [account_id],
            },
            headers=AUTH,
        )
        assert response.status == 201, await response.text()
    never = await (
        await client.post(
            "/templates", json={"name": "never", "kind": "answer", "text": "—"}, headers=AUTH
        )
    ).json()
    for index, keywords in enumerate(NEVER):
        response = await client.post(
            "/questions/rules",
            json={"name": f"never {index}", "template_id": never["id"], "keywords": keywords},
            headers=AUTH,
        )
        assert response.status == 201, await response.text()


async def auto_answers(database_url: str, rate: float, duration: float, workdir: Path) -> dict:
    async with running_sandbox(rate_limit=0, questions_per_seller=0, orders_per_seller=0) as sb:
        settings = Settings.from_mapping(
            {
                "DATA_DIR": str(workdir),
                "DATABASE_URL": database_url,
                "ENCRYPTION_KEY": generate_key(),
                "CLIENT_ID": SANDBOX_CLIENT_ID,
                "CLIENT_SECRET": SANDBOX_CLIENT_SECRET,
                "API_URL": sb.url,
                "AUTH_URL": sb.url,
                "API_KEYS": API_KEY,
                # The installation's limiter, set for this load: each question takes three
                # calls (read, answer, the re-read its answer's notification asks for).
                "RATE_LIMIT_PER_SECOND": "100",
                "RATE_LIMIT_BURST": "100",
                "LOG_LEVEL": "WARNING",
            }
        )
        container = build_container(settings)
        await start(container)
        worker = build_worker(container)
        await worker.start()
        client = TestClient(TestServer(create_app(container)))
        await client.start_server()
        try:
            seller = sb.sellers[0]
            account = await connect_seller(container, sb, seller)
            await configure_rules(client, account.id)
            await sb.admin(
                "PATCH", "/config", {"callback_url": str(client.make_url("/webhooks/notification"))}
            )
            await sb.admin(
                "POST",
                "/activity",
                {"rate": rate, "seed": 15, "kinds": ["question"], "seller_id": seller["id"]},
            )
            await asyncio.sleep(duration)
            await sb.admin("DELETE", "/activity")
            book = sb.state.market.questions
            asked = [q for q in book.by_seller.get(seller["id"], [])]
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                waiting = [
                    q for q in asked if expected_answer(q.text) is not None and q.answer is None
                ]
                if not waiting:
                    break
                await asyncio.sleep(0.2)
            await asyncio.sleep(2)  # anything answered late or twice shows up now
            answer_posts = sb.state.stats.calls["POST /answers"]
        finally:
            await client.close()
            await worker.stop()
            await stop(container)

    latencies = []
    wrong = []
    for question in asked:
        expected = expected_answer(question.text)
        if expected is None:
            if question.answer is not None:
                wrong.append(f"{question.id} answered though no rule matches")
            continue
        if question.answer is None:
            wrong.append(f"{question.id} ({question.text!r}) was not answered")
            continue
        if question.answer.text != expected:
            wrong.append(f"{question.id} answered {question.answer.text!r}, not {expected!r}")
        latencies.append(question.answer.date_created - question.date_created)
    matching = sum(1 for q in asked if expected_answer(q.text) is not None)
    return {
        "questions": len(asked),
        "matching": matching,
        "answered": len(latencies),
        "answer_posts": answer_posts,
        "problems": wrong[:20],
        "p50_seconds": round(statistics.median(latencies), 3) if latencies else None,
        "p95_seconds": round(percentile(latencies, 0.95), 3) if latencies else None,
        "max_seconds": round(max(latencies), 3) if latencies else None,
    }


async def inbox(database_url: str, stored: int, workdir: Path, samples: int) -> dict:
    settings = Settings.from_mapping(
        {
            "DATA_DIR": str(workdir),
            "DATABASE_URL": database_url,
            "ENCRYPTION_KEY": generate_key(),
            "API_KEYS": API_KEY,
            "CLIENT_ID": SANDBOX_CLIENT_ID,
            "CLIENT_SECRET": SANDBOX_CLIENT_SECRET,
            "LOG_LEVEL": "WARNING",
        }
    )
    container = build_container(settings)
    await start(container)
    rng = random.Random(15)
    texts = QUESTIONS_ES + QUESTIONS_PT
    now = datetime.now(UTC)
    try:
        from domain.accounts import Account

        async with container.unit_of_work() as uow:
            account = await uow.accounts.add(Account(999_000_111, "MLA", "INBOX_BENCH"))
            await uow.commit()
        for start_at in range(0, stored, 5000):
            batch = []
            for n in range(start_at, min(stored, start_at + 5000)):
                waiting = rng.random() < 0.2
                batch.append(
                    Question(
                        id=20_000_000_000 + n,
                        account_id=account.id,
                        seller_id=account.seller_id,
                        item_id=f"MLA{1_000_000 + n % 500}",
                        text=rng.choice(texts),
                        status=QuestionStatus.UNANSWERED if waiting else QuestionStatus.ANSWERED,
                        date_created=now - timedelta(minutes=n),
                        buyer_id=1_000 + n % 900,
                    )
                )
            async with container.unit_of_work() as uow:
                await uow.questions.upsert(batch)
                await uow.commit()
        # What autovacuum does soon after a bulk load: statistics for the planner and the
        # visibility map that lets counts come from the index alone.
        engine = create_async_engine(database_url, isolation_level="AUTOCOMMIT")
        async with engine.connect() as connection:
            await connection.exec_driver_sql("VACUUM ANALYZE meli_questions")
        await engine.dispose()
        client = TestClient(TestServer(create_app(container)))
        await client.start_server()
        figures = {}
        try:
            for name, query in (
                ("default_order", f"account_id={account.id}&limit=50"),
                ("unanswered", f"account_id={account.id}&status=UNANSWERED&limit=50"),
                ("deep_page", f"account_id={account.id}&offset=5000&limit=50"),
                ("text_search", f"account_id={account.id}&q=envio&limit=50"),
            ):
                timings = []
                for _ in range(samples):
                    began = time.perf_counter()
                    response = await client.get(f"/questions?{query}", headers=AUTH)
                    await response.read()
                    timings.append((time.perf_counter() - began) * 1000)
                    assert response.status == 200
                figures[name] = {
                    "p50_ms": round(statistics.median(timings), 2),
                    "p95_ms": round(percentile(timings, 0.95), 2),
                }
        finally:
            await client.close()
    finally:
        await stop(container)
    return {"stored": stored, "samples": samples, **figures}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--stored", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument(
        "--database-url", default=os.environ.get("MELI_TEST_DATABASE_URL", DEFAULT_DATABASE)
    )
    args = parser.parse_args()
    import tempfile

    with tempfile.TemporaryDirectory() as workdir:
        async with own_postgres_database(args.database_url, "meli_bench_answers") as url:
            await asyncio.to_thread(upgrade, url)
            answers = await auto_answers(url, args.rate, args.duration, Path(workdir))
        async with own_postgres_database(args.database_url, "meli_bench_inbox") as url:
            await asyncio.to_thread(upgrade, url)
            listing = await inbox(url, args.stored, Path(workdir), args.samples)
    exact = (
        not answers["problems"]
        and answers["answered"] == answers["matching"]
        and answers["answer_posts"] == answers["matching"]
    )
    inbox_p95 = max(listing[key]["p95_ms"] for key in INBOX_QUERIES_WITH_TARGET)
    result = {
        "benchmark": "auto_answer",
        "command": "bench/auto_answer.py "
        f"--rate {args.rate:g} --duration {args.duration:g} --stored {args.stored}",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "rate_per_second": args.rate,
        "duration_seconds": args.duration,
        "rules": len(MATCHING) + len(NEVER),
        "auto_answer": answers,
        "inbox": listing,
        "target": {
            "auto_answer_p95_seconds": TARGET_P95_SECONDS,
            "every_matching_question_answered_exactly_once": True,
            "inbox_p95_ms": TARGET_INBOX_P95_MS,
            "inbox_queries_with_target": list(INBOX_QUERIES_WITH_TARGET),
        },
        "target_met": bool(
            answers["p95_seconds"] is not None
            and answers["p95_seconds"] < TARGET_P95_SECONDS
            and exact
            and inbox_p95 < TARGET_INBOX_P95_MS
        ),
    }
    print(json.dumps(result, indent=2, ensure_ascii=False))
    out = ROOT / "bench" / "results" / "auto_answer.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    asyncio.run(main())
