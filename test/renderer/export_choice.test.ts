// What the Export… dialog offers: a call known only from a CDR row has no packets, so the
// capture is not offered for it (nor for a selection holding one), and the dialog says why.
import { describe, expect, it } from 'vitest';
import { defaultOutputs, exportChoice, exportTitle, outcomeLines, type ExportCall } from '../../renderer/lib/export_choice.ts';

const cap = (id: number): ExportCall => ({ id, sourceId: 1, callId: `c${id}@pbx`, origin: 'capture' });
const cdr = (id: number): ExportCall => ({ id, sourceId: 2, callId: `CA${id}`, origin: 'cdr' });

describe('export choice', () => {
  it('offers both outputs for captured calls, both ticked', () => {
    const c = exportChoice([cap(1), cap(2)]);
    expect(c).toEqual({ pcapng: true, pcapngNote: null });
    expect(defaultOutputs(c)).toEqual({ pcapng: true, html: true });
  });

  it('offers only the report for a CDR-only call, and says so', () => {
    const c = exportChoice([cdr(1)]);
    expect(c.pcapng).toBe(false);
    expect(c.pcapngNote).toBe('This call is known only from a CDR row: it has no packets, so only the report can be exported.');
    expect(defaultOutputs(c)).toEqual({ pcapng: false, html: true });
    expect(exportChoice([cdr(1), cdr(2)]).pcapngNote).toMatch(/^These calls are known only from CDR rows/);
  });

  it('names the CDR-only calls of a mixed selection', () => {
    expect(exportChoice([cap(1), cdr(2), cap(3)]).pcapngNote).toBe(
      '1 of the 3 selected calls is known only from a CDR row and has no packets: only the report can be exported (unselect it to export a capture).',
    );
    expect(exportChoice([cap(1), cdr(2), cdr(3)]).pcapngNote).toMatch(/^2 of the 3 selected calls are known only .* have no packets: .*unselect them/);
  });

  it('titles the dialog by the Call-ID or the count', () => {
    expect(exportTitle([cap(7)])).toBe('Export call c7@pbx');
    expect(exportTitle([cap(1), cap(2)])).toBe('Export 2 calls');
  });

  it('says where each file went, or that nothing was saved', () => {
    expect(outcomeLines({ cancelled: true, calls: 1, files: [] })).toEqual(['Nothing was saved: the save dialog was closed.']);
    expect(
      outcomeLines({
        cancelled: false,
        calls: 1,
        files: [
          { output: 'pcapng', name: 'call-x.pcapng', path: '/home/u/call-x.pcapng', downloadId: null, bytes: 51_234, packets: 402 },
          { output: 'html', name: 'call-x.html', path: null, downloadId: 'ab', bytes: 1_200, packets: null },
        ],
      }),
    ).toEqual(['Saved the capture (402 packets, 51.2 KB) to /home/u/call-x.pcapng', 'Downloading the report call-x.html (1.20 KB)']);
  });
});
