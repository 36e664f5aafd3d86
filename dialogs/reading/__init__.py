"""How the engine reads free text: answers to its questions, facts, follow-ups, plan words.

Everything here is pure and precompiled once per knowledge base (``Reader``): a turn only
tokenises the citizen's message and compares stems.
"""
