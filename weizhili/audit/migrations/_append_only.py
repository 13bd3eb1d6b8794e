"""The database-level append-only guard of the audit table, shared by the migration and the test fixtures.

Audit rows cannot be updated, and only rows past the 180-day retention can be deleted. The application
already refuses; the triggers make the database refuse too, for anyone with a SQL prompt."""

PG_INSTALL = """
CREATE OR REPLACE FUNCTION weizhili_audit_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' AND OLD.created_at < now() - interval '180 days' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit rows are append-only';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_append_only ON audit_auditentry;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit_auditentry
  FOR EACH ROW EXECUTE FUNCTION weizhili_audit_guard();
"""
PG_REMOVE = ["DROP TRIGGER IF EXISTS audit_append_only ON audit_auditentry",
             "DROP FUNCTION IF EXISTS weizhili_audit_guard()"]

SQLITE_INSTALL = [
    """CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit_auditentry
       BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit_auditentry
       WHEN OLD.created_at >= datetime('now', '-180 days')
       BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END""",
]
SQLITE_REMOVE = ["DROP TRIGGER IF EXISTS audit_no_update", "DROP TRIGGER IF EXISTS audit_no_delete"]


def install(connection) -> None:
    statements = {"postgresql": [PG_INSTALL], "sqlite": SQLITE_INSTALL}.get(connection.vendor, [])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def remove(connection) -> None:
    statements = {"postgresql": PG_REMOVE, "sqlite": SQLITE_REMOVE}.get(connection.vendor, [])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
