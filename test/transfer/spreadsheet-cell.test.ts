import { describe, expect, it } from 'vitest';
import { cellText, spreadsheetCell } from '../../src/transfer/spreadsheet-cell.js';

describe('the spreadsheet rule: formula-like text is written quoted, and read back as it was', () => {
  it.each([
    // [text, numeric column, the cell written]
    ['=HYPERLINK("http://evil.example","Click")', false, '\'=HYPERLINK("http://evil.example","Click")'],
    ['@sum(A1)', false, "'@sum(A1)"],
    ['+1+1', false, "'+1+1"],
    ['-minus', false, "'-minus"],
    ['-5', false, "'-5"],
    ['\tindented', false, "'\tindented"],
    ['\rreturn', false, "'\rreturn"],
    // Quotes already there count: one more, so exactly one comes off.
    ["'=x", false, "''=x"],
    ["''+x", false, "'''+x"],
    // Nothing to run.
    ['Mug', false, 'Mug'],
    ["'quoted", false, "'quoted"],
    ["'", false, "'"],
    ['', false, ''],
    ['a=b', false, 'a=b'],
    [' =x', false, ' =x'],
    // A number column's numbers stay numbers; anything else there is quoted alike.
    ['-5', true, '-5'],
    ['-2.50', true, '-2.50'],
    ['12.50', true, '12.50'],
    ['+5', true, "'+5"],
    ['=1+2', true, "'=1+2"],
    ['-', true, "'-"],
  ] as const)('%j (number column: %s) is written %j', (text, numeric, cell) => {
    expect(spreadsheetCell(text, numeric)).toBe(cell);
    expect(cellText(cell)).toBe(text);
  });

  it.each([
    // A quote before a formula-like text is the export's: it comes off, one only.
    ["'=x", '=x'],
    ["'''-x", "''-x"],
    // Any other leading quote is the text's own.
    ["'quoted", "'quoted"],
    ["'", "'"],
    ["' =x", "' =x"],
    ['=x', '=x'],
  ])('an import reads the cell %j as %j', (cell, text) => {
    expect(cellText(cell)).toBe(text);
  });
});
