"""Knowledge base: YAML content for citizens, its schema and its loader."""

from pathlib import Path

CONTENT_DIR = Path(__file__).resolve().parent
