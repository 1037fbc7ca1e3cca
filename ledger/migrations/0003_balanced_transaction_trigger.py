"""Reject, at commit, any posted transaction that is unbalanced in a currency.

PostgreSQL only: a deferred constraint trigger on entries and transactions
re-sums each touched transaction when the database transaction commits, so
every write path (the services, the admin, raw SQL) is held to the rule.
"""

from django.db import migrations

CREATE = """
CREATE FUNCTION ledger_check_transaction_balanced() RETURNS trigger AS $$
DECLARE
    txn_ids text[];
    offending record;
BEGIN
    IF TG_TABLE_NAME = 'ledger_entry' THEN
        IF TG_OP = 'INSERT' THEN
            txn_ids := ARRAY[NEW.transaction_id];
        ELSIF TG_OP = 'DELETE' THEN
            txn_ids := ARRAY[OLD.transaction_id];
        ELSE
            txn_ids := ARRAY[NEW.transaction_id, OLD.transaction_id];
        END IF;
    ELSE
        txn_ids := ARRAY[NEW.id];
    END IF;

    SELECT e.transaction_id, c.code,
           SUM(CASE WHEN e.entry_type = 'debit' THEN e.amount ELSE -e.amount END)
               AS difference
      INTO offending
      FROM ledger_entry e
      JOIN ledger_transaction t ON t.id = e.transaction_id
      JOIN ledger_currency c ON c.id = e.currency_id
     WHERE e.transaction_id = ANY(txn_ids)
       AND t.status IN ('posted', 'reversed')
     GROUP BY e.transaction_id, c.code
    HAVING SUM(CASE WHEN e.entry_type = 'debit' THEN e.amount ELSE -e.amount END) <> 0
     LIMIT 1;

    IF FOUND THEN
        RAISE EXCEPTION
            'transaction % is unbalanced in %: debits exceed credits by %',
            offending.transaction_id, offending.code, offending.difference
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'transaction_balanced_per_currency';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER entry_balanced_per_currency
    AFTER INSERT OR UPDATE OR DELETE ON ledger_entry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_transaction_balanced();

CREATE CONSTRAINT TRIGGER transaction_balanced_per_currency
    AFTER INSERT OR UPDATE OF status ON ledger_transaction
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_transaction_balanced();
"""

DROP = """
DROP TRIGGER IF EXISTS transaction_balanced_per_currency ON ledger_transaction;
DROP TRIGGER IF EXISTS entry_balanced_per_currency ON ledger_entry;
DROP FUNCTION IF EXISTS ledger_check_transaction_balanced();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_double_entry")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
