// Audit rows name staff by id; the console shows their email.
import { db } from "../db";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function staffLabels(ids: (string | null)[]): Promise<Map<string, string>> {
  // Only uuids can be staff ids (the column is a uuid: anything else would make PostgreSQL refuse the query).
  const unique = [...new Set(ids.filter((id): id is string => !!id && UUID.test(id)))];
  if (unique.length === 0) return new Map();
  const rows = await db().staffUser.findMany({ where: { id: { in: unique } }, select: { id: true, email: true } });
  return new Map(rows.map((row) => [row.id, row.email]));
}
