"""The report as one self-contained HTML file: charts are inline SVG, so it opens offline in
any browser, needs no script, and prints. Figures resting on too few conversations are hidden."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from html import escape

from storage.analytics.figures import MIN_COUNT, Figures, Group
from storage.analytics.handoffs import Handoffs
from storage.analytics.results import Paths, PlanPath

ANSWERED = (("yes", "да", "#2e7d32"), ("partly", "частично", "#f9a825"), ("no", "нет", "#c62828"))
RESOLUTIONS = {
    "answered": "оператор ответил", "not_answered": "оператор не смог ответить",
    "redirected": "перенаправлен в ведомство", "withdrawn": "гражданин вернулся к ассистенту",
}  # fmt: skip
STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem;color:#1b1b1b}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem}table{border-collapse:collapse}
td,th{border-bottom:1px solid #ddd;padding:.3rem .6rem;text-align:left;vertical-align:top}
.muted{color:#666}.chart{display:block;margin:.5rem 0}.kpi{font-size:1.4rem;font-weight:600}
"""


def render(figures: Figures, titles: Mapping[str, str], since: str, until: str) -> str:
    ends = [
        (titles.get(situation, situation), step, str(count))
        for (situation, step), count in figures.unsurveyed_ends.most_common(15)
    ]
    misunderstood = [(text, str(count)) for text, count in figures.misunderstood]
    unanswered = [(text, str(count)) for text, count in figures.unanswered]
    follow_ups = [(key, str(count)) for key, count in figures.follow_ups]
    gaps = [
        (
            titles.get(situation, situation) if situation else "вне ситуации",
            str(gap.count),
            "вопрос без ответа" if gap.kind == "unanswered" else "не понято",
            gap.text,
        )
        for situation, items in figures.gaps.items()
        for gap in items
    ]
    comments = [
        (at.strftime("%d.%m.%Y %H:%M"), titles.get(situation, situation), text)
        for at, situation, text in figures.comments
    ]
    parts = [
        f"<h1>Удовлетворённость граждан: {escape(since)} — {escape(until)}</h1>",
        _summary(figures),
        "<h2>CSAT и лёгкость по ситуациям</h2>",
        _scores_chart("situation", figures.by_situation, titles),
        "<h2>CSAT и лёгкость по каналам</h2>",
        _scores_chart("channel", figures.by_channel, {}),
        "<h2>По неделям</h2>",
        _trend_chart(figures.by_week),
        "<h2>Получили ли ответ на вопрос</h2>",
        _answered_chart(figures),
        "<h2>Где заканчиваются разговоры без опроса</h2>",
        _table(("ситуация", "последний шаг", "разговоров"), ends),
        "<h2>Чаще всего непонятые сообщения</h2>",
        _table(("сообщение (личные данные скрыты)", "раз"), misunderstood),
        "<h2>Вопросы внутри плана без ответа</h2>",
        '<p class="muted">Что граждане спрашивали о своём плане, а в базе знаний ответа нет: '
        "это стоит добавить в faq ситуации или в поле if_missed шага.</p>",
        _table(("вопрос (личные данные скрыты)", "раз"), unanswered),
        "<h2>Что дописать в базу знаний</h2>",
        '<p class="muted">По ситуациям: похожие сообщения собраны в группы; полный список — '
        "<code>lifebot report gaps</code>.</p>",
        _table(("ситуация", "раз", "что", "сообщение (личные данные скрыты)"), gaps),
        "<h2>Вопросы внутри плана с ответом</h2>",
        _table(("ответ (faq:код или step:шаг:что спросили)", "раз"), follow_ups),
        "<h2>Последние комментарии</h2>",
        _table(("когда", "ситуация", "комментарий"), comments),
        "<h2>Передача оператору</h2>",
        _handoffs(figures.handoffs, titles),
        "<h2>Путь к результату</h2>",
        _paths(figures.paths, titles),
        f'<p class="muted">Показатели, за которыми меньше {MIN_COUNT} разговоров, скрыты; '
        "число разговоров указано у каждого показателя.</p>",
    ]
    return (
        '<!doctype html><html lang="ru"><head><meta charset="utf-8">'
        f"<title>Отчёт об удовлетворённости</title><style>{STYLE}</style></head>"
        f"<body>{''.join(parts)}</body></html>"
    )


def _summary(figures: Figures) -> str:
    rate = figures.response_rate
    shown = f"{rate:.0%}" if rate is not None else "мало данных"
    return (
        f'<p><span class="kpi">{figures.conversations}</span> разговоров, '
        f'<span class="kpi">{figures.surveyed}</span> с ответами на опрос '
        f"(доля ответивших: {shown}).</p>"
    )


def _handoffs(handoffs: Handoffs, titles: Mapping[str, str]) -> str:
    if not handoffs.cases:
        return '<p class="muted">За этот период обращений к оператору не было.</p>'
    resolutions = [(RESOLUTIONS.get(k, k), str(n)) for k, n in handoffs.resolutions.most_common()]
    if handoffs.unclosed:
        resolutions.append(("ещё не закрыто", str(handoffs.unclosed)))
    complaints = [
        (titles.get(situation, situation), str(count))
        for situation, count in handoffs.complaints_by_situation.most_common(15)
    ]
    operators = [
        (name, f"{mean.value:.2f}" if mean.value is not None else "мало оценок", str(mean.count))
        for name, mean in sorted(handoffs.csat_by_operator.items(), key=lambda i: -i[1].count)
    ]
    comments = [
        (at.strftime("%d.%m.%Y %H:%M"), operator, text) for at, operator, text in handoffs.comments
    ]
    return "".join([
        f'<p><span class="kpi">{handoffs.cases}</span> обращений к оператору: жалоб '
        f"{handoffs.complaints}, вне рабочего времени {handoffs.off_hours}.</p>",
        f"<p>Ожидание, пока оператор возьмёт обращение (медиана): "
        f"{_median(handoffs.median_wait, len(handoffs.waits))}.<br>"
        f"Работа оператора с обращением, до закрытия (медиана): "
        f"{_median(handoffs.median_handling, len(handoffs.handling))}.</p>",
        "<h3>Чем закончились обращения</h3>",
        _table(("итог", "обращений"), resolutions),
        "<h3>Жалобы по ситуациям</h3>",
        _table(("ситуация", "жалоб"), complaints),
        "<h3>CSAT операторов</h3>",
        f'<p class="muted">Оценки граждан после обращения; средняя показана, если оценок не '
        f"меньше {MIN_COUNT}. Эти оценки не входят в CSAT ассистента.</p>",
        _table(("оператор", "CSAT", "оценок"), operators),
        "<h3>Последние комментарии о помощи операторов</h3>",
        _table(("когда", "оператор", "комментарий"), comments),
    ])  # fmt: skip


def _paths(paths: Paths, titles: Mapping[str, str]) -> str:
    ordered = sorted(paths.by_situation.items(), key=lambda item: -item[1].conversations)
    rows = [
        (
            titles.get(situation, situation), str(path.conversations),
            _share(path),
            _median(path.median_to_step, len(path.to_step)),
            _median(path.median_to_plan, len(path.to_plan)),
            _outcomes(path),
        )
        for situation, path in ordered
    ]  # fmt: skip
    return "".join([
        '<p class="muted">Сколько граждан, получивших план, отметили в нём хотя бы один шаг '
        "выполненным, и сколько времени прошло от первого сообщения до первого выполненного "
        "шага и до выполнения всего плана (медианы); что ответили на «Получилось ли…?» "
        "(«проблема» — результат не достигнут).</p>",
        _table(("ситуация", "разговоров", "отметили шаг", "до первого шага",
                "до всего плана", "получилось / ещё нет / проблема"), rows),
    ])  # fmt: skip


def _outcomes(path: PlanPath) -> str:
    told = path.outcomes
    if not told:
        return "—"
    return f"{told['yes']} / {told['not_yet']} / {told['problem']}"


def _share(path: PlanPath) -> str:
    if path.share is None:
        return f"мало данных (n={path.conversations})"
    return f"{path.share:.0%} ({path.with_step} из {path.conversations})"


def _median(value: float | None, count: int) -> str:
    if value is None:
        return f"мало данных (n={count})"
    return f"{escape(_duration(value))} (n={count})"


def _duration(seconds: float) -> str:
    whole = round(seconds)
    if whole < 60:
        return f"{whole} с"
    if whole < 3600:
        return f"{whole // 60} мин {whole % 60} с"
    return f"{whole // 3600} ч {whole % 3600 // 60} мин"


def _scores_chart(kind: str, groups: Mapping[str, Group], titles: Mapping[str, str]) -> str:
    rows = sorted(groups.items(), key=lambda item: -item[1].conversations)
    width, bar, gap, left = 760, 16, 12, 260
    height = max(1, len(rows)) * (2 * bar + gap) + 30
    shapes = [_axis(left, width, height)]
    for index, (key, group) in enumerate(rows):
        y = 10 + index * (2 * bar + gap)
        label = f"{titles.get(key, key)} (n={group.conversations})"
        shapes.append(_text(left - 8, y + bar, label, anchor="end"))
        scores = ((group.csat, "#1565c0", "CSAT"), (group.effort, "#6a1b9a", "лёгкость"))
        for offset, (mean, color, name) in enumerate(scores):
            place = (left, width, y + offset * bar, bar)
            shapes.append(_score_bar(place, mean.value, mean.count, color, name))
    return _svg(f"chart chart-{kind}", width, height, shapes)


def _score_bar(
    place: tuple[int, int, int, int], value: float | None, count: int, color: str, name: str
) -> str:
    left, width, y, bar = place
    if value is None:
        return _text(left + 6, y + bar - 4, f"{name}: мало данных (n={count})", color="#888")
    length = (width - left - 140) * value / 5
    return (
        f'<rect x="{left}" y="{y + 2}" width="{length:.1f}" height="{bar - 4}" fill="{color}">'
        f"<title>{name} {value:.2f} из 5, n={count}</title></rect>"
        + _text(left + length + 6, y + bar - 4, f"{name} {value:.2f} (n={count})")
    )


def _trend_chart(weeks: Mapping[dt.date, Group]) -> str:
    ordered = sorted(weeks.items())
    width, height, left, top, bottom = 760, 220, 50, 20, 40
    shapes = [_axis(left, width, height - bottom + top)]
    points = []
    span = max(1, len(ordered) - 1)
    for index, (week, group) in enumerate(ordered):
        x = left + (width - left - 20) * index / span
        shapes.append(_text(x, height - 10, week.strftime("%d.%m"), anchor="middle"))
        if group.csat.value is not None:
            y = top + (height - top - bottom) * (1 - (group.csat.value - 1) / 4)
            points.append(f"{x:.1f},{y:.1f}")
            tip = f"неделя с {week:%d.%m.%Y}: CSAT {group.csat.value:.2f}, n={group.csat.count}"
            shapes.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#1565c0"><title>{tip}</title>'
                "</circle>"
            )
    if len(points) > 1:
        line = " ".join(points)
        polyline = f'<polyline fill="none" stroke="#1565c0" stroke-width="2" points="{line}"/>'
        shapes.insert(1, polyline)
    if not points:
        note = "мало данных для недельного CSAT"
        shapes.append(_text(left + 10, height / 2, note, color="#888"))
    return _svg("chart chart-trend", width, height, shapes)


def _answered_chart(figures: Figures) -> str:
    total = sum(figures.answered.values())
    width, height = 760, 60
    if total < MIN_COUNT:
        note = _text(10, 30, f"мало данных (n={total})", color="#888")
        return _svg("chart chart-answered", width, height, [note])
    shapes, x = [], 0.0
    for key, label, color in ANSWERED:
        share = figures.answered[key] / total
        shapes.append(
            f'<rect x="{x:.1f}" y="5" width="{width * share:.1f}" height="30" fill="{color}">'
            f"<title>{label}: {share:.0%}</title></rect>"
        )
        if share > 0.08:
            shapes.append(_text(x + 6, 25, f"{label} {share:.0%}", color="#fff"))
        x += width * share
    shapes.append(_text(0, 55, f"n={total}"))
    return _svg("chart chart-answered", width, height, shapes)


def _axis(left: float, width: float, height: float) -> str:
    return f'<line x1="{left}" y1="0" x2="{left}" y2="{height}" stroke="#999"/>'


def _text(x: float, y: float, text: str, anchor: str = "start", color: str = "#1b1b1b") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="12" text-anchor="{anchor}" fill="{color}">'
        f"{escape(text)}</text>"
    )


def _svg(css: str, width: float, height: float, shapes: Sequence[str]) -> str:
    return (
        f'<svg class="{css}" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height:.0f}" role="img">{"".join(shapes)}</svg>'
    )


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    if not rows:
        return '<p class="muted">Нет данных за этот период.</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
