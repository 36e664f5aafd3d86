"""Export benchmark: 1,000,000 synthetic conversations in PostgreSQL to CSV and Parquet.
Prints rows per second and peak memory of each export; asserts nothing.

    python benchmarks/export.py [ROWS]

Target on the 2-core reference machine: >= 50,000 rows/s and under 300 MB resident.
"""

from __future__ import annotations

import asyncio
import resource
import sys
import tempfile
import time
from pathlib import Path

from _support import scratch_database  # type: ignore[import-not-found]

SEED = """
INSERT INTO citizens (id, channel, pseudonym, created_at)
SELECT n, CASE WHEN n % 2 = 0 THEN 'telegram' ELSE 'vk' END, md5(n::text) || md5((n+1)::text),
       now()
FROM generate_series(1, {citizens}) AS n;
INSERT INTO conversations (id, citizen_id, channel, situation_id, category_id, started_at,
    ended_at, end_reason, actions, not_understood, human_requested, last_step_id, survey_asked)
SELECT md5(n::text), 1 + n % {citizens}, CASE WHEN n % 2 = 0 THEN 'telegram' ELSE 'vk' END,
       (ARRAY['child_birth','job_loss','passport','retirement','relocation'])[1 + n % 5],
       (ARRAY['family','work','documents','work','housing'])[1 + n % 5],
       timestamptz '2026-01-01' + (n || ' seconds')::interval,
       timestamptz '2026-01-01' + (n || ' seconds')::interval + interval '7 minutes',
       'plan_finished', 5 + n % 20, n % 3, n % 17 = 0, 'step_' || (n % 8), true
FROM generate_series(1, {rows}) AS n;
INSERT INTO survey_answers (conversation_id, question, value, answered_at)
SELECT md5(n::text), q.question,
       CASE q.question WHEN 'csat' THEN (1 + n % 5)::text WHEN 'effort' THEN (1 + n % 4)::text
            WHEN 'answered' THEN (ARRAY['yes','partly','no'])[1 + n % 3]
            ELSE 'Комментарий номер ' || n END,
       now()
FROM generate_series(1, {rows}) AS n
CROSS JOIN (VALUES ('csat'), ('effort'), ('answered'), ('comment')) AS q(question)
WHERE n % 5 <> 0 AND (q.question <> 'comment' OR n % 4 = 0);
ANALYZE;
"""


async def seed(url: str, rows: int) -> None:
    from storage.database import create_engine

    engine = create_engine(url)
    async with engine.begin() as connection:
        raw = await connection.get_raw_connection()
        await raw.driver_connection.execute(SEED.format(rows=rows, citizens=max(1, rows // 10)))
    await engine.dispose()


async def export(url: str, kind: str, path: str) -> None:
    from storage.analytics.exporters import open_writer
    from storage.analytics.rows import Filters, stream_rows
    from storage.database import create_engine

    engine = create_engine(url)
    writer = open_writer(Path(path), kind)
    written, started = 0, time.perf_counter()
    async for batch in stream_rows(engine, Filters(), batch=20_000):
        writer.write(batch)
        written += len(batch)
    writer.close()
    elapsed = time.perf_counter() - started
    await engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size = (await asyncio.to_thread(Path(path).stat)).st_size / 1e6
    rate = written / elapsed
    print(f"[export {kind}] rows: {written:,} in {elapsed:.1f} s → {rate:,.0f} rows/s; "
          f"peak memory {peak:.0f} MB; file {size:.0f} MB", flush=True)  # fmt: skip


async def main(rows: int) -> None:
    async with scratch_database() as url:
        started = time.perf_counter()
        await seed(url, rows)
        print(f"[export] seeded {rows:,} conversations in {time.perf_counter() - started:.0f} s")
        with tempfile.TemporaryDirectory() as folder:
            for kind in ("csv", "parquet"):
                process = await asyncio.create_subprocess_exec(
                    sys.executable, __file__, "--export", url, kind, f"{folder}/out.{kind}"
                )
                await process.wait()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--export"]:
        asyncio.run(export(*sys.argv[2:5]))
    else:
        asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000))
