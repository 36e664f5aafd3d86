"""NLU benchmark: prints figures, asserts nothing.

    python benchmarks/nlu.py              # both runs, each in its own process
    python benchmarks/nlu.py real         # the project's data (+ 5-fold cross-validation)
    python benchmarks/nlu.py synthetic    # a synthetic knowledge base of 3,000 situations

Figures: training time, in-process parse latency p50/p99 for one text, parses per second,
resident memory. Targets on the 2-core reference machine: CV accuracy >= 95 %, p50 <= 0.2 ms,
p99 <= 1 ms; with 3,000 intents p99 <= 5 ms and under 500 MB.
"""

from __future__ import annotations

import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

# This file is named like the package it measures: keep its folder off the import path.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

PARSES = 5000


def resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(
    examples: Mapping[str, Sequence[str]],
    label: str,
    probes: Sequence[str],
    held_out: Mapping[str, Sequence[str]] | None = None,
) -> None:
    """Train here; serve from the saved model in a fresh process, as a bot replica does."""
    from nlu.model import train

    started = time.perf_counter()
    model = train(examples)
    trained = time.perf_counter() - started
    count = sum(map(len, examples.values()))
    print(
        f"[{label}] intents: {len(examples)}, examples: {count}, features: {len(model.vocabulary)}"
    )
    print(f"[{label}] training time: {trained:.2f} s, peak memory while training: "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")  # fmt: skip
    if held_out is not None:
        from nlu.evaluate import evaluate

        accuracy = evaluate(model, held_out).accuracy
        print(f"[{label}] accuracy on held-out examples: {accuracy:.4f}")
    with tempfile.TemporaryDirectory() as folder:
        model.save(Path(folder) / "model.npz")
        (Path(folder) / "probes.json").write_text(json.dumps(list(probes)), encoding="utf-8")
        subprocess.run([sys.executable, __file__, "serve", folder, label], check=True)


def serve(folder: str, label: str) -> None:
    from nlu.model import IntentModel

    model = IntentModel.load(Path(folder) / "model.npz")
    probes = json.loads((Path(folder) / "probes.json").read_text(encoding="utf-8"))
    for text in probes[:200]:  # warm the lemma cache as a running bot would have
        model.probabilities(text)
    timings = []
    for index in range(PARSES):
        text = probes[index % len(probes)]
        begin = time.perf_counter_ns()
        model.probabilities(text)
        timings.append(time.perf_counter_ns() - begin)
    timings.sort()
    p50 = statistics.median(timings) / 1e6
    p99 = timings[int(len(timings) * 0.99)] / 1e6
    print(f"[{label}] parse latency p50: {p50:.3f} ms, p99: {p99:.3f} ms")
    print(f"[{label}] parses per second: {1e9 * len(timings) / sum(timings):,.0f}")
    print(f"[{label}] resident memory serving: {resident_mb():.0f} MB")


def real() -> None:
    from knowledge_base.loader import load_knowledge_base
    from nlu.evaluate import cross_validate
    from nlu.training_data import training_examples

    examples = training_examples(load_knowledge_base())
    probes = [text for texts in examples.values() for text in texts]
    random.Random(1).shuffle(probes)
    measure(examples, "real", probes)
    started = time.perf_counter()
    report = cross_validate(examples, 5)
    print(f"[real] 5-fold cross-validated accuracy: {report.accuracy:.4f} "
          f"({time.perf_counter() - started:.0f} s)")  # fmt: skip
    print("[real] most confused:", ", ".join(f"{e}→{p} {n}" for e, p, n in report.confused[:5]))


def synthetic(intents: int = 3000, per_intent: int = 20) -> None:
    rng = random.Random(7)
    syllables = ["ба", "ве", "го", "да", "жи", "зу", "ки", "ло", "ма", "не", "по", "ру", "са",
                 "ти", "фу", "хо", "ца", "че", "ша", "ю", "ян", "ор", "ем", "ус"]  # fmt: skip

    def word() -> str:
        return "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))

    common = [word() for _ in range(400)] + ["как", "где", "что", "нужно", "оформить", "документы"]
    examples: dict[str, list[str]] = {}
    for number in range(intents):
        keys = [word() for _ in range(8)]
        examples[f"situation_{number}"] = [
            " ".join(rng.sample(keys, 3) + rng.sample(common, rng.randint(2, 4)))
            for _ in range(per_intent)
        ]
    held_out = {intent: texts[-2:] for intent, texts in examples.items()}
    training = {intent: texts[:-2] for intent, texts in examples.items()}
    probes = [text for texts in held_out.values() for text in texts]
    rng.shuffle(probes)
    measure(training, f"synthetic {intents}", probes, held_out)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3])
        return
    if len(sys.argv) > 1:
        {"real": real, "synthetic": synthetic}[sys.argv[1]]()
        return
    for run in ("real", "synthetic"):  # separate processes: memory figures do not mix
        subprocess.run([sys.executable, __file__, run], check=True)


if __name__ == "__main__":
    main()
