"""Run the whole suite as three pytest processes at once, when PostgreSQL and Redis are
configured (`make test`, `.ci/run`).

Most of the suite waits (on processes it starts, on the sandbox's delays, on databases it
creates), so one pytest process leaves the machine mostly idle. Each group gets services
of its own, so that no two groups ever meet: the first the given ones, the others a
PostgreSQL database next to the given one (`<name>_g2`, `<name>_g3`, created when
missing) and a Redis database leased for the whole run (tests/isolation.py, so that no
other run or test takes it). Without the services, or with arguments, it is plain pytest.
Each group's output is printed when it ends; the exit status is the first failure's.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.isolation import _dsn, leased_redis_db  # noqa: E402

# Schemathesis (minutes of its own) runs beside the unit tests, the shortest group, so
# that the end-to-end group is not the one everybody waits for.
CONFORMANCE = "tests/e2e/test_openapi_conformance.py"
GROUPS = (
    ["tests/e2e", f"--ignore={CONFORMANCE}"],
    ["tests/contracts", "tests/sandbox"],
    ["tests/integration", "tests/unit", CONFORMANCE],
)


async def _ensure_database(url: str, name: str) -> str:
    import asyncpg

    connection = await asyncpg.connect(_dsn(url))
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return url.rsplit("/", 1)[0] + f"/{name}"


def main() -> int:
    pytest = [sys.executable, "-m", "pytest"]
    database = os.environ.get("MELI_TEST_DATABASE_URL")
    redis_url = os.environ.get("MELI_TEST_REDIS_URL")
    if len(sys.argv) > 1 or not database or not redis_url:
        return subprocess.call([*pytest, *sys.argv[1:]], cwd=ROOT)
    name = database.rsplit("/", 1)[1]
    with contextlib.ExitStack() as stack:
        environments = [dict(os.environ)]
        for number in range(2, len(GROUPS) + 1):
            own = asyncio.run(_ensure_database(database, f"{name}_g{number}"))
            leased = stack.enter_context(leased_redis_db(redis_url))
            environments.append(
                {**os.environ, "MELI_TEST_DATABASE_URL": own, "MELI_TEST_REDIS_URL": leased}
            )
        outputs = [stack.enter_context(tempfile.TemporaryFile()) for _ in GROUPS]
        started = time.monotonic()
        running = [
            subprocess.Popen(
                [*pytest, *paths],
                cwd=ROOT,
                env=environment,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
            for paths, environment, output in zip(GROUPS, environments, outputs, strict=True)
        ]
        codes = [process.wait() for process in running]
        for paths, output, code in zip(GROUPS, outputs, codes, strict=True):
            output.seek(0)
            print(f"===== {' '.join(paths)}: exit {code} =====", flush=True)
            sys.stdout.buffer.write(output.read())
            sys.stdout.flush()
        print(f"===== the suite in three groups: {time.monotonic() - started:.0f} s =====")
    return next((code for code in codes if code), 0)


if __name__ == "__main__":
    sys.exit(main())
