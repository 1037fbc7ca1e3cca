"""Django's SQLite backend with exact decimal columns.

Django declares DecimalField columns as `decimal`, which SQLite gives NUMERIC
affinity: the value is stored as a REAL and keeps only 15 significant digits,
so 1234567890123.4567 comes back changed. This backend declares them `text`,
which SQLite stores verbatim, and parses the text back into a Decimal.

SQL arithmetic on such a column (SUM, `+`) still goes through REAL on SQLite,
so the project sums money in Python there (see ledger.money.sum_decimal).
"""

import decimal
from collections.abc import Callable
from typing import Any

from django.db.backends.sqlite3 import base
from django.db.backends.sqlite3.operations import DatabaseOperations as BaseOperations
from django.db.models.expressions import Col


class DatabaseOperations(BaseOperations):
    def get_decimalfield_converter(self, expression: Any) -> Callable[..., Any]:
        parent = super().get_decimalfield_converter(expression)
        places = None
        if isinstance(expression, Col):
            places = decimal.Decimal(1).scaleb(-expression.output_field.decimal_places)

        def converter(value: Any, expression: Any, connection: Any) -> Any:
            if not isinstance(value, str):
                return parent(value, expression, connection)
            number = decimal.Decimal(value)
            if places is None:
                return number
            return number.quantize(places, context=expression.output_field.context)

        return converter


class DatabaseWrapper(base.DatabaseWrapper):
    data_types = {**base.DatabaseWrapper.data_types, "DecimalField": "text"}
    ops_class = DatabaseOperations
