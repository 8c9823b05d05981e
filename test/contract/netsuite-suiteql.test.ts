/**
 * The NetSuite simulator's SuiteQL engine on its own: the Oracle semantics an integrator trips over (NULL logic,
 * '' is NULL, implicit conversions, ROWNUM, NULL ordering, exprN names) and the SQL the connector may send.
 */
import type { Catalog, Row, TableDef } from '../../sandbox/simulators/netsuite/suiteql/schema';
import { execute } from '../../sandbox/simulators/netsuite/suiteql/executor';
import { parseSuiteQL } from '../../sandbox/simulators/netsuite/suiteql/parser';
import { SqlDate, SqlError, render } from '../../sandbox/simulators/netsuite/suiteql/values';

const day = (y: number, m: number, d: number, h = 0) => new SqlDate(Date.UTC(y, m - 1, d, h));

const table = (name: string, rows: Row[]): TableDef => ({
  name,
  columns: Object.keys(rows[0] ?? {}).map((c) => ({
    name: c,
    ...(c === 'location' ? { display: (v: unknown) => `Location ${String(v)}` } : {}),
  })),
  rows: () => rows,
});

const tables = [
  table('item', [
    { id: 1, itemid: 'RED-M', upccode: '001', modified: day(2026, 1, 10, 9) },
    { id: 2, itemid: 'RED-L', upccode: null, modified: day(2026, 1, 12, 18) },
    { id: 3, itemid: 'BLUE-M', upccode: '003', modified: day(2026, 1, 15, 8) },
  ]),
  table('stock', [
    { item: 1, location: 10, qty: 5 },
    { item: 1, location: 11, qty: 0 },
    { item: 2, location: 10, qty: null },
    { item: 3, location: 11, qty: 7 },
  ]),
];
const catalog: Catalog = (name) => tables.find((t) => t.name === name);

/** Rows as SuiteQL would send them: strings, NULL keys left out. */
function q(sql: string): Record<string, string>[] {
  const r = execute(parseSuiteQL(sql), catalog, Date.UTC(2026, 0, 20));
  return r.rows.map((row) => {
    const out: Record<string, string> = {};
    r.columns.forEach((c, i) => {
      const v = render(row[i] ?? null);
      if (v !== null) out[c] = v;
    });
    return out;
  });
}

test('joins, aliases, BUILTIN.DF and NULL columns', () => {
  expect(
    q(
      'SELECT i.itemid AS sku, s.location, BUILTIN.DF(s.location) AS loc, s.qty FROM item i INNER JOIN stock s ON s.item = i.id ORDER BY s.item, s.location',
    ),
  ).toEqual([
    { sku: 'RED-M', location: '10', loc: 'Location 10', qty: '5' },
    { sku: 'RED-M', location: '11', loc: 'Location 11', qty: '0' },
    { sku: 'RED-L', location: '10', loc: 'Location 10' },
    { sku: 'BLUE-M', location: '11', loc: 'Location 11', qty: '7' },
  ]);
});

test('LEFT JOIN keeps unmatched rows; a comparison with NULL drops the row (three-valued logic)', () => {
  expect(
    q(
      'SELECT i.itemid, s.qty FROM item i LEFT JOIN stock s ON s.item = i.id AND s.location = 11 ORDER BY i.id',
    ),
  ).toEqual([{ itemid: 'RED-M', qty: '0' }, { itemid: 'RED-L' }, { itemid: 'BLUE-M', qty: '7' }]);
  expect(q('SELECT item FROM stock WHERE qty <> 5')).toEqual([{ item: '1' }, { item: '3' }]);
  expect(q('SELECT item FROM stock WHERE NOT (qty = 5)')).toEqual([{ item: '1' }, { item: '3' }]);
  // NOT IN with a NULL in the list is never true.
  expect(q('SELECT id FROM item WHERE id NOT IN (1, NULL)')).toEqual([]);
  expect(q('SELECT item FROM stock WHERE qty IS NULL')).toEqual([{ item: '2' }]);
});

test("'' is NULL, strings compare with numbers as numbers, LIKE and BETWEEN", () => {
  expect(q("SELECT id FROM item WHERE upccode = ''")).toEqual([]);
  expect(q("SELECT id FROM item WHERE id = '2'")).toEqual([{ id: '2' }]);
  expect(q("SELECT itemid FROM item WHERE itemid LIKE 'RED-_' AND id BETWEEN 2 AND 3")).toEqual([
    { itemid: 'RED-L' },
  ]);
  expect(q("SELECT itemid FROM item WHERE itemid NOT LIKE '%M'")).toEqual([{ itemid: 'RED-L' }]);
});

test('dates: account format by default, TO_CHAR, TO_DATE and string literals in either format', () => {
  expect(q('SELECT modified FROM item WHERE id = 1')).toEqual([{ modified: '1/10/2026' }]);
  expect(q('SELECT TO_CHAR(modified, \'YYYY-MM-DD"T"HH24:MI:SS\') AS t FROM item WHERE id = 2')).toEqual([
    { t: '2026-01-12T18:00:00' },
  ]);
  expect(q("SELECT id FROM item WHERE modified >= TO_DATE('2026-01-12', 'YYYY-MM-DD') ORDER BY id")).toEqual([
    { id: '2' },
    { id: '3' },
  ]);
  expect(q("SELECT id FROM item WHERE modified > '1/12/2026' ORDER BY id")).toEqual([
    { id: '2' },
    { id: '3' },
  ]);
  expect(q("SELECT id FROM item WHERE modified > '2026-01-12 20:00:00'")).toEqual([{ id: '3' }]);
  expect(q('SELECT id FROM item WHERE modified > SYSDATE - 7 ORDER BY id')).toEqual([{ id: '3' }]);
});

test('ROWNUM is assigned while filtering, before ORDER BY; OFFSET/FETCH and TOP page the result', () => {
  expect(q('SELECT id FROM item WHERE ROWNUM <= 2 ORDER BY id DESC')).toEqual([{ id: '2' }, { id: '1' }]);
  expect(q('SELECT id FROM item ORDER BY id OFFSET 1 ROWS FETCH NEXT 1 ROWS ONLY')).toEqual([{ id: '2' }]);
  expect(q('SELECT TOP 1 id FROM item ORDER BY id DESC')).toEqual([{ id: '3' }]);
});

test('ORDER BY: NULLs last ascending and first descending, aliases and positions', () => {
  expect(q('SELECT item, qty FROM stock ORDER BY qty').map((r) => r.item)).toEqual(['1', '1', '3', '2']);
  expect(q('SELECT item, qty AS n FROM stock ORDER BY n DESC').map((r) => r.item)).toEqual([
    '2',
    '3',
    '1',
    '1',
  ]);
  expect(q('SELECT item, qty FROM stock ORDER BY 2 DESC NULLS LAST').map((r) => r.item)).toEqual([
    '3',
    '1',
    '1',
    '2',
  ]);
});

test('aggregates, GROUP BY, HAVING, DISTINCT, CASE, NVL; unaliased expressions are expr1, expr2', () => {
  expect(q('SELECT COUNT(*), SUM(qty), COUNT(qty) FROM stock')).toEqual([
    { expr1: '4', expr2: '12', expr3: '3' },
  ]);
  expect(
    q(
      'SELECT location, SUM(qty) AS total FROM stock GROUP BY location HAVING SUM(qty) > 5 ORDER BY location',
    ),
  ).toEqual([{ location: '11', total: '7' }]);
  expect(q('SELECT DISTINCT location FROM stock ORDER BY location')).toEqual([
    { location: '10' },
    { location: '11' },
  ]);
  expect(
    q(
      "SELECT item, CASE WHEN NVL(qty, 0) > 0 THEN 'in stock' ELSE 'out' END AS state FROM stock WHERE location = 10",
    ),
  ).toEqual([
    { item: '1', state: 'in stock' },
    { item: '2', state: 'out' },
  ]);
});

test('IN with a sub-select', () => {
  expect(
    q(
      "SELECT item, location FROM stock WHERE item IN (SELECT id FROM item WHERE itemid LIKE 'RED%') AND qty > 0",
    ),
  ).toEqual([{ item: '1', location: '10' }]);
});

test('errors name what is wrong, as NetSuite does', () => {
  const err = (sql: string) => {
    try {
      q(sql);
    } catch (e) {
      if (e instanceof SqlError) return e.message;
      throw e;
    }
    throw new Error(`no error for ${sql}`);
  };
  expect(err('SELECT nope FROM item')).toBe(
    "Search error occurred: Field 'nope' for record 'item' was not found.",
  );
  expect(err('SELECT x.id FROM item i')).toBe(
    "Search error occurred: Unknown identifier 'x'. Available identifiers are: {i=item}.",
  );
  expect(err('SELECT id FROM nothing')).toBe('Invalid search type: nothing.');
  expect(err('SELECT id FROM item a JOIN item b ON a.id = b.id')).toBe(
    "Search error occurred: Column 'id' is ambiguous.",
  );
  expect(err('SELECT id item WHERE')).toMatch(/^Search error occurred: Syntax error: expected FROM/);
  expect(err('SELECT FOO(id) FROM item')).toBe('Search error occurred: Unknown function FOO.');
});
