"""Benchmark of sending post-sale messages exactly once at the quota (docs/messages.md).

    .venv/bin/python bench/messages.py                      # 500 orders, 50 per 2 s
    .venv/bin/python bench/messages.py --orders 200 --quota 50 --window 1 --drop 0.2

The sandbox runs in this process with one seller and `--orders` paid sales; the service's
message use cases run here too, on the in-memory adapters, with the real gateway over
loopback. The hourly quota of messages (500 an hour) is scaled down to `--quota` per
`--window` seconds so the run takes seconds, not hours; the limiter is the real one
(LocalRateLimiter, fixed windows). The sandbox drops `--drop` (10%) of the answers to
POST /messages/packs/... after taking the message (its `drop` fault with `after`), so the
sender must read the conversation back to learn the outcome.

One message goes to each order. A send refused with a 429 (our quota: QuotaExhausted, or
the sandbox's 500 rpm messaging buckets, §2.4) is retried after its Retry-After, as a
client of the REST API would, and so is one answered 503 (the outcome unknown and the read-back
refused too: the send stays pending) or 409 `being_sent`: sending the same text again
learns the first one's outcome and sends nothing twice; a send whose outcome is unknown
is settled by reading back before anything else is sent to that conversation.

Checked after the run: no message is held twice by the sandbox (sent twice: must be 0),
every order is accounted for (its message sent once, or a failure with a reason), and no
window of the quota granted more than `--quota` sends (the limiter's grants, and the
POSTs the sandbox received, counted per aligned window). Prints the figures and writes
bench/results/messages.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from adapters.local.ratelimit import LocalRateLimiter  # noqa: E402
from adapters.memory import InMemoryJobQueue, InMemoryStore, InMemoryUnitOfWork  # noqa: E402
from adapters.mercadolibre import (  # noqa: E402
    AccountCalls,
    AiohttpMessageGateway,
    AiohttpOrderGateway,
    MercadoLibreClient,
    RetryPolicy,
)
from adapters.system.clock import SystemClock  # noqa: E402
from application.errors import (  # noqa: E402
    ApplicationError,
    QuotaExhausted,
    RateLimited,
    Unavailable,
)
from application.messages.commands import SendMessageCommand  # noqa: E402
from application.messages.errors import ConversationClosed  # noqa: E402
from application.messages.send_message import SendMessage  # noqa: E402
from application.ports.rate_limiter import MESSAGE_SEND, CallClass, RateLimits  # noqa: E402
from domain.accounts import Account  # noqa: E402
from domain.messages import SendStatus  # noqa: E402
from sandbox.testing import running_sandbox  # noqa: E402
from tests.contracts.marketplace_worlds import ITEM  # noqa: E402
from tests.contracts.sandbox_sellers import SandboxSellers  # noqa: E402


class CountingLimiter(LocalRateLimiter):
    """The real limiter, noting when each message permit was granted."""

    def __init__(self, limits: RateLimits) -> None:
        super().__init__(limits)
        self.grants: list[float] = []

    async def acquire(
        self, key: str = "api", cost: int = 1, call_class: CallClass = CallClass.INTERACTIVE
    ) -> float:
        waited = await super().acquire(key, cost, call_class)
        if key == MESSAGE_SEND:
            self.grants.append(time.time())
        return waited


def per_window(moments: list[float], window: float) -> int:
    counts = Counter(math.floor(m / window) for m in moments)
    return max(counts.values(), default=0)


async def run(args: argparse.Namespace) -> dict:
    async with running_sandbox(rate_limit=0, orders_per_seller=0, questions_per_seller=0) as sb:
        sellers = SandboxSellers(sb)
        account_id, user = await sellers.new_seller("MLA")
        seller_id = user["id"]
        item = await sellers.call(
            account_id,
            "POST",
            "/items",
            json={**ITEM, "available_quantity": 99_999},
        )
        sales = [
            await sb.event(
                "order", seller_id=seller_id, item_id=item["id"], logistic_type="cross_docking"
            )
            for _ in range(args.orders)
        ]
        limits = RateLimits(per_second=0, quotas={MESSAGE_SEND: (args.quota, args.window)})
        limiter = CountingLimiter(limits)
        store = InMemoryStore()
        clock = SystemClock()

        def uow() -> InMemoryUnitOfWork:
            return InMemoryUnitOfWork(store, InMemoryJobQueue())

        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http:
            client = MercadoLibreClient(
                http, limiter, api_url=sb.url, retry=RetryPolicy(max_attempts=3)
            )
            calls = AccountCalls(client, sellers)
            orders = AiohttpOrderGateway(calls)
            async with uow() as u:
                account = await u.accounts.add(Account(seller_id, "MLA", user["nickname"]))
                await u.commit()
            assert account.id is not None
            sellers.users[account.id] = user
            typed = [await orders.get_order(account.id, int(sale["id"])) for sale in sales]
            async with uow() as u:
                await u.orders.upsert(typed)
                await u.commit()

            sb.state.faults.add(
                {
                    "path": "/messages/packs/*",
                    "method": "POST",
                    "drop": True,
                    "after": True,
                    "rate": args.drop,
                }
            )
            send = SendMessage(uow, AiohttpMessageGateway(calls), clock)
            outcomes: dict[int, str] = {}
            quota_waits = 0
            rate_limited = 0
            unknown = 0
            started = time.monotonic()

            async def one(order_id: int) -> None:
                nonlocal quota_waits, rate_limited, unknown
                for _ in range(20):
                    try:
                        await send(
                            SendMessageCommand(order_id, text=f"¡Gracias! Pedido {order_id}.")
                        )
                        outcomes[order_id] = "sent"
                        return
                    except RateLimited as refused:
                        # 429: our quota (QuotaExhausted) or MercadoLibre's 500 rpm
                        # messaging buckets (§2.4); nothing was sent, try again later.
                        if isinstance(refused, QuotaExhausted):
                            quota_waits += 1
                        else:
                            rate_limited += 1
                        await asyncio.sleep(refused.retry_after or args.window)
                    except (Unavailable, ConversationClosed) as error:
                        # 503 (outcome unknown, the send pending) or 409 being_sent: the
                        # same text again learns the outcome once it can be read back.
                        if isinstance(error, ConversationClosed) and error.rule != "being_sent":
                            outcomes[order_id] = f"failed: {error}"
                            return
                        unknown += 1
                        await asyncio.sleep(args.window)
                    except ApplicationError as error:
                        outcomes[order_id] = f"failed: {error}"
                        return
                outcomes[order_id] = "failed: the quota never let it through"

            pending = [o.id for o in typed]
            for start in range(0, len(pending), args.concurrency):
                await asyncio.gather(*(one(o) for o in pending[start : start + args.concurrency]))
            elapsed = time.monotonic() - started

        sent_twice = 0
        held_once = 0
        for sale in sales:
            conversation = sb.state.market.messaging.conversation(
                str(sale["pack_id"] or sale["id"])
            )
            ours = [m for m in conversation.messages if m.from_id == seller_id]
            sent_twice += len(ours) > 1
            held_once += len(ours) == 1
        async with uow() as u:
            sends = []
            for sale in sales:
                sends.extend(
                    await u.message_sends.of_conversation(
                        account.id, int(sale["pack_id"] or sale["id"])
                    )
                )
        by_status = Counter(s.status.value for s in sends)
        sent_orders = {s.order_id for s in sends if s.status is SendStatus.SENT}
        failed_with_reason = {
            o
            for o, outcome in outcomes.items()
            if outcome.startswith("failed: ") and o not in sent_orders
        }
        accounted = len(sent_orders) + len(failed_with_reason)
        posts = next(r for r in sb.state.faults.rules if r.path == "/messages/packs/*").hits
        max_granted = per_window(limiter.grants, args.window)
        result = {
            "orders": args.orders,
            "quota": {"limit": args.quota, "window_seconds": args.window},
            "drop_rate": args.drop,
            "answers_dropped": posts,
            "seconds": round(elapsed, 2),
            "sent_twice": sent_twice,
            "held_once": held_once,
            "accounted_for": accounted,
            "sent": len(sent_orders),
            "failed_with_reason": len(failed_with_reason),
            "sends_by_status": dict(by_status),
            "failure_reasons": dict(
                Counter(outcomes[o][8:90] for o in failed_with_reason).most_common(5)
            ),
            "quota_refusals_retried": quota_waits,
            "rate_limited_retried": rate_limited,
            "outcome_unknown_retried": unknown,
            "max_sends_granted_in_a_window": max_granted,
            "target": "sent twice 0; every order accounted for; at most the quota per window",
            "target_met": sent_twice == 0
            and accounted == args.orders
            and held_once == len(sent_orders)
            and max_granted <= args.quota,
        }
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--quota", type=int, default=50)
    parser.add_argument("--window", type=float, default=2.0)
    parser.add_argument("--drop", type=float, default=0.1)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    result = asyncio.run(run(args))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    out = ROOT / "bench" / "results" / "messages.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
