import { describe, expect, it } from 'vitest';
import { makeJpeg } from './jpeg.ts';
import { makePdf } from './pdf.ts';

describe('generated attachment files', () => {
  it('JPEG: SOI/APP0 JFIF/SOF0 baseline/EOI, the declared size, no unstuffed 0xFF in the scan', () => {
    const jpg = makeJpeg([
      [0, 255, 128],
      [64, 192, 10],
    ]);
    expect([...jpg.subarray(0, 4)]).toEqual([0xff, 0xd8, 0xff, 0xe0]);
    expect(jpg.subarray(6, 11).toString('latin1')).toBe('JFIF\0');
    const sof = jpg.indexOf(Buffer.from([0xff, 0xc0]));
    expect(jpg.readUInt16BE(sof + 5)).toBe(16); // height
    expect(jpg.readUInt16BE(sof + 7)).toBe(24); // width
    const sos = jpg.indexOf(Buffer.from([0xff, 0xda]));
    const scan = jpg.subarray(sos + 2 + jpg.readUInt16BE(sos + 2), jpg.length - 2);
    for (let i = 0; i < scan.length; i++) if (scan[i] === 0xff) expect(scan[i + 1]).toBe(0x00);
    expect([...jpg.subarray(-2)]).toEqual([0xff, 0xd9]);
  });

  it('PDF: header, xref offsets pointing at each object, trailer, %%EOF', () => {
    const pdf = makePdf(['Claim number: CLM-1', "O'Brien (water)"], 'Claim form');
    const text = pdf.toString('latin1');
    expect(text.startsWith('%PDF-1.4')).toBe(true);
    const startxref = Number(/startxref\n(\d+)/.exec(text)![1]);
    expect(text.slice(startxref, startxref + 4)).toBe('xref');
    const offsets = [...text.matchAll(/(\d{10}) 00000 n /g)].map((m) => Number(m[1]));
    offsets.forEach((o, i) => expect(text.slice(o, o + `${i + 1} 0 obj`.length)).toBe(`${i + 1} 0 obj`));
    expect(text).toContain(String.raw`(O'Brien \(water\)) Tj`);
    expect(text.trimEnd().endsWith('%%EOF')).toBe(true);
  });
});
