"""``lifebot chat`` as a person uses it: numbered choices, scripted through a pipe."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from bots.channels.console.channel import ConsoleChat
from dialogs.engine import DialogEngine
from dialogs.memory import MemoryDatabase
from tests.chat import Chat

LIFEBOT = str(Path(sys.executable).parent / "lifebot")


async def test_numbers_pick_buttons_in_process(memory_chat: object) -> None:
    engine: DialogEngine = memory_chat.engine  # type: ignore[attr-defined]
    script = io.StringIO("1\n2\n01.03.2026\n")
    out = io.StringIO()
    await ConsoleChat(engine, "me", script, out, clock=lambda: _now()).run()
    transcript = out.getvalue()
    assert "  1) Семья и дети" in transcript
    assert "  2) Рождение ребёнка" in transcript
    assert "Когда родился ребёнок?" in transcript
    assert "Вы состоите в браке" in transcript


async def _console(engine: DialogEngine, lines: list[str]) -> str:
    out = io.StringIO()
    script = io.StringIO("".join(f"{line}\n" for line in lines))
    await ConsoleChat(engine, "me", script, out, clock=lambda: _now()).run()
    return out.getvalue()


async def test_a_typed_survey_stores_what_the_citizen_meant(
    memory_chat: Chat, memory: MemoryDatabase
) -> None:
    transcript = await _console(memory_chat.engine, [
        "жена родила позавчера, я работаю официально", "не знаю",  # facts, then «не знаю»
        "спасибо", "5", "4", "да", "пропустить",
    ])  # fmt: skip
    assert "Вот ваш личный план" in transcript
    assert "Спасибо! Ваши ответы помогут" in transcript
    stored = {(a.question, a.value) for a in memory.answers}
    assert stored == {("csat", "5"), ("effort", "4"), ("answered", "yes")}


async def test_words_and_numbers_mixed_in_the_console(memory_chat: Chat) -> None:
    transcript = await _console(memory_chat.engine, [
        "/start large_family", "да",  # two «Да…» buttons: which one?
        "2",                          # the second of the two
        "не знаю", "1",               # income unknown; employed: «Да»
        "документы", "мой план",
    ])  # fmt: skip
    assert "Уточните, какой вариант" in transcript
    assert "Многодетная семья. Шагов в плане" in transcript
    assert transcript.count("Многодетная семья. Шагов в плане") >= 2


def _now():  # type: ignore[no-untyped-def]
    from tests.chat import START

    return START


def test_lifebot_chat_script_reaches_the_database(
    tmp_path: Path, nlu_model: object, nlu_cache_dir: Path
) -> None:
    script = "\n".join([
        "у меня родилась дочка",
        "01.03.2026",
        "1", "1", "2",            # married, employed, income above the minimum: the plan
        "/menu", "6", "2",        # a look at the tax deduction…
        "/start child_birth",     # …and back to the birth: the plan is still there
        "2", "2", "2",            # «Изменить ответы» → married → «Нет»
        "2", "3", "2",            # «Изменить ответы» → employed → «Нет»: paternity now
        "1", "1", "1",            # step 1, its documents, back to step 1
        "2", "2", "2", "2", "2", "2",  # steps 2–6, then «Готово»
        "5", "4", "1", "Спасибо, всё ясно",
    ]) + "\n"  # fmt: skip
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}",
        "NLU_CACHE_DIR": str(nlu_cache_dir),  # the model the session trained: no retraining
    }
    result = subprocess.run(
        [LIFEBOT, "chat"], input=script, capture_output=True, text=True, env=env,
        cwd=tmp_path, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    transcript = result.stdout
    assert "Здравствуйте" in transcript
    assert transcript.count("Рождение ребёнка. Шагов в плане: 6.") >= 2
    assert "План пересчитан" in transcript
    assert "Шаг 2 из 6. Установите отцовство" in transcript
    assert "Шаг 6 из 6. Пропишите ребёнка по месту жительства" in transcript
    assert "Насколько вы довольны?" in transcript
    assert "Спасибо! Ваши ответы помогут сделать сервис лучше." in transcript
    assert "Traceback" not in result.stderr

    with sqlite3.connect(tmp_path / "chat.db") as db:
        answers = dict(db.execute("SELECT question, value FROM survey_answers").fetchall())
        situations = [r[0] for r in db.execute("SELECT situation_id FROM conversations")]
    assert answers == {"csat": "5", "effort": "4", "answered": "yes",
                       "comment": "Спасибо, всё ясно"}  # fmt: skip
    assert "child_birth" in situations
