import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { testNode } from '@flowstate/sdk';
import { buildCsv, csvBuild } from './csv-build.js';
import { csvParse, CsvParseError, parseCsv, sniffDelimiter } from './csv-parse.js';

describe('csv.parse', () => {
  test.each([
    ['a,b\n1,2', ','],
    ['a;b;"c,d"\n', ';'],
    ['a\tb\n', '\t'],
    ['a|b|c', '|'],
    ['single', ','],
  ])('sniffs the delimiter of %j as %j', (text, delimiter) => {
    expect(sniffDelimiter(text)).toBe(delimiter);
  });

  test('reads a header, a BOM, quotes and a sniffed delimiter', () => {
    expect(parseCsv('\uFEFFname;note\nAda;"x;y"\n\nBob;"say ""hi"""\n')).toEqual([
      { name: 'Ada', note: 'x;y' },
      { name: 'Bob', note: 'say "hi"' },
    ]);
  });

  test('without a header rows are lists; explicit columns replace the header', () => {
    expect(parseCsv('a,b\n1,2', { header: false })).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
    expect(parseCsv('a,b\n1,2', { columns: ['x', 'y'] })).toEqual([{ x: '1', y: '2' }]);
    expect(parseCsv('1,2', { columns: ['x', 'y'], header: false })).toEqual([{ x: '1', y: '2' }]);
  });

  test('infers numbers, booleans and nulls but leaves quoted text and big ids alone', () => {
    expect(
      parseCsv('n,f,b,e,q,id\n1.5,-2,true,,"7",12345678901234567890', { inferTypes: true }),
    ).toEqual([{ n: 1.5, f: -2, b: true, e: null, q: '7', id: '12345678901234567890' }]);
  });

  test.each([
    ['a,b\n1,2\n3,"4\n', /line 3|line 4/, 'CSV_QUOTE_NOT_CLOSED'],
    ['a,b\n1,2\n3,4,5\n', /on line 3/, 'CSV_RECORD_INCONSISTENT_COLUMNS'],
  ])('an invalid CSV names the line: %j', (text, message, code) => {
    const error = (() => {
      try {
        parseCsv(text);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(CsvParseError);
    expect((error as CsvParseError).message).toMatch(message);
    expect((error as CsvParseError).code).toBe(code);
    expect((error as CsvParseError).line).toBeGreaterThanOrEqual(3);
  });

  test('limits rows and bytes', () => {
    expect(() => parseCsv('a\n1\n2\n3', { maxRows: 2 })).toThrow(/more than 2 data rows/);
    expect(parseCsv('a\n1\n2', { maxRows: 2 })).toHaveLength(2);
    expect(() => parseCsv('a,b\n1,2', { maxBytes: 5 })).toThrow(
      /7 bytes, more than the limit of 5/,
    );
  });

  test('the node reads its input or the text param and refuses anything else', async () => {
    expect((await testNode(csvParse, { input: 'a\n1' })).output).toEqual([{ a: '1' }]);
    expect((await testNode(csvParse, { params: { text: 'b\n2' }, input: 5 })).output).toEqual([
      { b: '2' },
    ]);
    await expect(testNode(csvParse, { input: { a: 1 } })).rejects.toThrow(
      /csv\.parse: the input is an object, not text/,
    );
  });
});

describe('csv.build', () => {
  test('writes a header from every key, quotes where needed and writes JSON for objects', () => {
    expect(
      buildCsv([
        { a: 1, b: 'x,y' },
        { a: null, c: { d: true } },
      ]),
    ).toBe('a,b,c\n1,"x,y",\n,,"{""d"":true}"\n');
  });

  test.each([
    ['=SUM(A1)', "'=SUM(A1)"],
    ['+1', "'+1"],
    ['-2+3', "'-2+3"],
    ['@cmd', "'@cmd"],
    ['plain', 'plain'],
  ])('escapes the formula %j as %j', (value, expected) => {
    expect(buildCsv([{ v: value }], { header: false })).toBe(`${expected}\n`);
    expect(buildCsv([{ v: value }], { header: false, escapeFormulas: false })).toBe(`${value}\n`);
  });

  test('numbers are not formulas', () => {
    expect(buildCsv([{ v: -5 }], { header: false })).toBe('-5\n');
  });

  test('explicit columns, nested names, delimiter, quoting and line ends', () => {
    expect(
      buildCsv([{ a: 1, b: { c: 'x' } }], {
        columns: ['b.c', 'a'],
        delimiter: ';',
        quoted: 'all',
        recordDelimiter: 'windows',
      }),
    ).toBe('"b.c";"a"\r\n"x";"1"\r\n');
    expect(buildCsv([[1, 'a'], [2]])).toBe('1,a\n2\n');
    expect(buildCsv([])).toBe('');
  });

  test('mixed rows are refused naming the item', async () => {
    await expect(testNode(csvBuild, { input: [{ a: 1 }, 'x'] })).rejects.toThrow(
      /csv\.build: item 1 is a string/,
    );
  });

  test('build then parse gives the rows back', () => {
    const key = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/);
    fc.assert(
      fc.property(
        fc.uniqueArray(key, { minLength: 2, maxLength: 5 }),
        fc.array(fc.array(fc.string(), { minLength: 5, maxLength: 5 }), { maxLength: 10 }),
        fc.constantFrom(',', ';', '\t'),
        (columns, cells, delimiter) => {
          const rows = cells.map((row) => Object.fromEntries(columns.map((c, i) => [c, row[i]!])));
          const text = buildCsv(rows, { columns, delimiter, escapeFormulas: false });
          const back = parseCsv(text, { delimiter, skipEmptyLines: false });
          expect(back).toEqual(rows);
        },
      ),
    );
  });
});
