"""The operators' desk: a web page and a JSON API where operators answer the citizens who
asked for a person. It shares the database with the bot processes; the cases themselves are
the engine's (``dialogs.desk``), the operators' accounts are storage's (``storage.operators``).

Modules: ``ports`` (what the desk needs), ``memory`` (accounts for tests), ``auth``
(passwords, sessions, tokens), ``throttle`` (failed logins held back), ``pages`` (the
templates and the Russian labels), ``context`` (what every handler shares), ``routes`` (the
pages), ``api`` (the JSON API), ``app`` (the aiohttp application and its guards), ``process``
(``lifebot run desk`` and the operators' commands, wired to the configured database)."""
