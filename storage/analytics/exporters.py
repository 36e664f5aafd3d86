"""Writers for the export formats: CSV (optionally with a BOM for Excel), JSON Lines, XLSX and
Parquet. XLSX and Parquet need the ``export`` extra; a clear message says so when missing."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any, Protocol

from knowledge_base.errors import ConfigurationError
from storage.analytics.rows import COLUMNS

FORMATS = ("csv", "xlsx", "parquet", "jsonl")


class Writer(Protocol):
    def write(self, rows: Sequence[tuple[Any, ...]]) -> None: ...

    def close(self) -> None: ...


def open_writer(path: Path, kind: str, *, bom: bool = False) -> Writer:
    if kind == "csv":
        return CsvWriter(path, bom)
    if kind == "jsonl":
        return JsonLinesWriter(path)
    if kind == "xlsx":
        return XlsxWriter(path)
    if kind == "parquet":
        return ParquetWriter(path)
    raise ConfigurationError(f"формат «{kind}» не поддерживается; доступны: {', '.join(FORMATS)}")


def _text(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.datetime) else value


class CsvWriter:
    def __init__(self, path: Path, bom: bool) -> None:
        self._file: IO[str] = path.open("w", newline="", encoding="utf-8-sig" if bom else "utf-8")
        self._csv = csv.writer(self._file)
        self._csv.writerow(COLUMNS)

    def write(self, rows: Sequence[tuple[Any, ...]]) -> None:
        self._csv.writerows(tuple(_text(v) for v in row) for row in rows)

    def close(self) -> None:
        self._file.close()


class JsonLinesWriter:
    def __init__(self, path: Path) -> None:
        self._file: IO[str] = path.open("w", encoding="utf-8")

    def write(self, rows: Sequence[tuple[Any, ...]]) -> None:
        self._file.writelines(
            json.dumps(dict(zip(COLUMNS, map(_text, row), strict=True)), ensure_ascii=False) + "\n"
            for row in rows
        )

    def close(self) -> None:
        self._file.close()


def _missing(package: str) -> ConfigurationError:
    return ConfigurationError(
        f"для этого формата нужен пакет {package}: pip install 'lifebot[export]'"
    )


class XlsxWriter:
    def __init__(self, path: Path) -> None:
        try:
            from openpyxl import Workbook
        except ImportError as error:
            raise _missing("openpyxl") from error
        self._path = path
        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet("conversations")
        self._sheet.append(list(COLUMNS))

    def write(self, rows: Sequence[tuple[Any, ...]]) -> None:
        for row in rows:  # Excel keeps no time zone: times are written in UTC
            self._sheet.append([_naive_utc(v) for v in row])

    def close(self) -> None:
        self._book.save(self._path)


def _naive_utc(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


class ParquetWriter:
    def __init__(self, path: Path) -> None:
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError as error:
            raise _missing("pyarrow") from error
        self._pa = pa
        timestamp = pa.timestamp("us", tz="UTC")
        types = {
            "started_at": timestamp, "ended_at": timestamp, "duration_seconds": pa.float64(),
            "actions": pa.int32(), "not_understood": pa.int32(), "human_requested": pa.bool_(),
            "csat": pa.int8(), "effort": pa.int8(), "cases": pa.int32(),
            "case_wait_seconds": pa.float64(), "case_handling_seconds": pa.float64(),
            "operator_csat": pa.int8(), "steps_done": pa.int32(),
            "plan_done_seconds": pa.float64(),
        }  # fmt: skip
        self._schema = pa.schema([(c, types.get(c, pa.string())) for c in COLUMNS])
        self._writer = pq.ParquetWriter(path, self._schema, compression="zstd")

    def write(self, rows: Sequence[tuple[Any, ...]]) -> None:
        columns = list(zip(*rows, strict=True)) if rows else [() for _ in COLUMNS]
        arrays = [
            self._pa.array(column, type=field.type)
            for column, field in zip(columns, self._schema, strict=True)
        ]
        self._writer.write_table(self._pa.Table.from_arrays(arrays, schema=self._schema))

    def close(self) -> None:
        self._writer.close()
