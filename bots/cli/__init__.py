"""The ``lifebot`` command line: one module per command group, each calling the runtime."""

from __future__ import annotations

import typer

from bots.cli.analytics import register as register_analytics
from bots.cli.chat import register as register_chat
from bots.cli.db import db_app
from bots.cli.desk import desk_app
from bots.cli.kb import kb_app
from bots.cli.nlu import nlu_app
from bots.cli.run import run_app

app = typer.Typer(help="Помощник в жизненных ситуациях.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(nlu_app, name="nlu")
app.add_typer(run_app, name="run")
app.add_typer(kb_app, name="kb")
app.add_typer(desk_app, name="desk")
register_chat(app)
register_analytics(app)
