"""A JSON parser that reads numbers as exact decimals, never binary floats."""

import json
from decimal import Decimal
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a valid JSON number")


class DecimalJSONParser(JSONParser):
    """Parse JSON with every non-integer number as `decimal.Decimal`.

    `0.1` in a body becomes `Decimal("0.1")`, exactly what the client wrote,
    where the standard parser would produce the float 0.1000000000000000055...
    NaN and Infinity are rejected because no amount can take them.
    """

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: dict[str, Any] | None = None,
    ) -> Any:
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
            return json.loads(
                text, parse_float=Decimal, parse_constant=_reject_constant
            )
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        except RecursionError:
            raise ParseError(
                "JSON parse error - the body is nested too deeply."
            ) from None
        except LookupError:
            raise ParseError(f"Unknown charset {encoding!r}; send UTF-8.") from None
