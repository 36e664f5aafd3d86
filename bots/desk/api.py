"""The desk's JSON API under ``/desk/api/``, for operators' own tools: the same cases and
actions as the pages, with ``Authorization: Bearer <token>`` (``lifebot desk token NAME``).

A refusal is ``{"error": "<the Russian reason>"}``: 404 for no such case, 409 for one taken,
held by another or closed, 400 for what cannot be taken (a bad reply, resolution, status or
body). An action answers with the case as it is after it. Like the pages, the API never gives
the citizen's session key or address."""

from __future__ import annotations

import datetime as dt
import json
from functools import partial
from typing import Any, get_args

from aiohttp import web

from bots.desk.context import DeskServices, operator_of, services
from bots.desk.pages import Titles
from dialogs.cases import CaseDetail, CaseLine, CaseStatus, CaseSummary
from knowledge_base.errors import InvalidReply

STATUSES: dict[str, CaseStatus] = {status: status for status in get_args(CaseStatus)}
readable = partial(json.dumps, ensure_ascii=False)  # Russian as letters, not \u escapes


def api_routes() -> list[web.RouteDef]:
    cases = "/desk/api/cases"
    return [
        web.get(cases, list_cases),
        web.get(cases + "/{case_id}", get_case),
        web.post(cases + "/{case_id}/claim", claim),
        web.post(cases + "/{case_id}/messages", message),
        web.post(cases + "/{case_id}/release", release),
        web.post(cases + "/{case_id}/close", close),
    ]


async def list_cases(request: web.Request) -> web.Response:
    status = STATUSES.get(request.query.get("status", "queued"))
    if status is None:
        raise InvalidReply(f"Параметр status — одно из: {', '.join(STATUSES)}")
    desk = services(request)
    found = await desk.desk.listing(status)
    return _json({"cases": [summary_json(s, desk.pages.titles) for s in found]})


async def get_case(request: web.Request) -> web.Response:
    return await _case_json(services(request), request.match_info["case_id"])


async def claim(request: web.Request) -> web.Response:
    desk, case_id = services(request), request.match_info["case_id"]
    await desk.desk.claim(case_id, operator_of(request))
    return await _case_json(desk, case_id)


async def message(request: web.Request) -> web.Response:
    desk, case_id = services(request), request.match_info["case_id"]
    text = (await json_object(request)).get("text")
    if not isinstance(text, str):
        raise InvalidReply("Нужно поле text: текст ответа гражданину")
    await desk.desk.reply(case_id, operator_of(request), text)
    return await _case_json(desk, case_id)


async def release(request: web.Request) -> web.Response:
    desk, case_id = services(request), request.match_info["case_id"]
    await desk.desk.release(case_id, operator_of(request))
    return await _case_json(desk, case_id)


async def close(request: web.Request) -> web.Response:
    desk, case_id = services(request), request.match_info["case_id"]
    resolution = (await json_object(request)).get("resolution")
    if not isinstance(resolution, str):
        raise InvalidReply("Нужно поле resolution: answered, not_answered или redirected")
    await desk.desk.close(case_id, operator_of(request), resolution)
    return await _case_json(desk, case_id)


async def json_object(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:  # not JSON, or not UTF-8
        body = None
    if not isinstance(body, dict):
        raise InvalidReply("Тело запроса должно быть объектом JSON")
    return body


async def _case_json(desk: DeskServices, case_id: str) -> web.Response:
    return _json(detail_json(await desk.desk.case(case_id), desk.pages.titles))


def summary_json(summary: CaseSummary, titles: Titles) -> dict[str, Any]:
    return {
        "id": summary.case_id,
        "kind": summary.kind,
        "status": summary.status,
        "channel": summary.channel,
        "situation_id": summary.situation_id,
        "situation": titles(summary.situation_id) if summary.situation_id else None,
        "opened_at": _moment(summary.opened_at),
        "claimed_at": _moment(summary.claimed_at),
        "closed_at": _moment(summary.closed_at),
        "operator": summary.operator,
        "resolution": summary.resolution,
        "citizen_blocked": summary.citizen_blocked,
        "off_hours": summary.off_hours,
    }


def detail_json(case: CaseDetail, titles: Titles) -> dict[str, Any]:
    """Field by field: the session key and the address stay out."""
    return {
        **summary_json(case.summary, titles),
        "question": case.question,
        "step_title": case.step_title,
        "answers": [{"question": q, "answer": a} for q, a in case.answers],
        "lines": [line_json(line) for line in case.lines],
    }


def line_json(line: CaseLine) -> dict[str, Any]:
    return {"author": line.author, "text": line.text, "at": _moment(line.at),
            "operator": line.operator}  # fmt: skip


def _moment(at: dt.datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def _json(body: dict[str, Any]) -> web.Response:
    return web.json_response(body, dumps=readable)
