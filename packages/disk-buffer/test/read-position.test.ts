import { describe, expect, it } from 'vitest';
import { ReadPosition } from '../src/internal/read-position';
import { emptyCounts } from '../src/internal/severity-counts';

const INFO = 2;

describe('ReadPosition', () => {
  it('should advance past a delivered batch of its file and count its severities', () => {
    const pos = new ReadPosition({ seq: 3, offset: 32, doneInFile: 0 });
    const batch = emptyCounts();
    batch[INFO] = 5;
    pos.delivered(3, 900, 5, batch);
    pos.delivered(3, 1400, 5, batch);
    expect({ seq: pos.seq, offset: pos.offset, doneInFile: pos.doneInFile }).toEqual({
      seq: 3,
      offset: 1400,
      doneInFile: 10,
    });
    expect(pos.doneSeverities[INFO]).toBe(10);
  });

  it('should ignore a batch or a resume of a file it has already left', () => {
    const pos = new ReadPosition({ seq: 3, offset: 32, doneInFile: 0 });
    pos.claimed(4, 0);
    pos.delivered(3, 900, 5, emptyCounts());
    pos.resumed(3, 700, 9);
    expect({ seq: pos.seq, offset: pos.offset, doneInFile: pos.doneInFile }).toEqual({
      seq: 4,
      offset: 0,
      doneInFile: 0,
    });
  });

  it('should start a claimed file with nothing done and resume where the scan says', () => {
    const pos = new ReadPosition({ seq: 1, offset: 32, doneInFile: 0 });
    const batch = emptyCounts();
    batch[INFO] = 2;
    pos.delivered(1, 100, 2, batch);
    pos.claimed(2, 32);
    expect(pos.doneSeverities).toEqual(emptyCounts());
    pos.resumed(2, 512, 7);
    expect({ seq: pos.seq, offset: pos.offset, doneInFile: pos.doneInFile }).toEqual({
      seq: 2,
      offset: 512,
      doneInFile: 7,
    });
  });
});
