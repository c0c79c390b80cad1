import { addCounts, emptyCounts, type SeverityCounts } from './severity-counts';

/** Where the sender reads: a file (seq) and a place in it. */
export interface Position {
  readonly seq: number;
  /** Byte offset in a WAL segment, or records already delivered from a spill file. */
  readonly offset: number;
  /** Records of the current file delivered (or skipped as corrupt/expired). */
  readonly doneInFile: number;
}

/**
 * The sender's read position, the one owner of it: the batch source moves it from file to file,
 * the delivery loop past each delivered batch, recovery to the frame boundary its scan found.
 * Everyone else reads it.
 */
export class ReadPosition implements Position {
  private _seq: number;
  private _offset: number;
  private _doneInFile: number;
  private _doneSeverities: SeverityCounts = emptyCounts();

  constructor(start: Position) {
    this._seq = start.seq;
    this._offset = start.offset;
    this._doneInFile = start.doneInFile;
  }

  get seq(): number {
    return this._seq;
  }

  get offset(): number {
    return this._offset;
  }

  get doneInFile(): number {
    return this._doneInFile;
  }

  /** Severities of the records of the current file already done (delivered or dropped). */
  get doneSeverities(): Readonly<SeverityCounts> {
    return this._doneSeverities;
  }

  /** The sender claimed file `seq`, to read from `offset`: nothing of it done yet. */
  claimed(seq: number, offset: number): void {
    this._seq = seq;
    this._offset = offset;
    this._doneInFile = 0;
    this._doneSeverities = emptyCounts();
  }

  /** A batch of file `seq` ending at `end` was delivered (ignored once the sender left it). */
  delivered(seq: number, end: number, count: number, severities: SeverityCounts): void {
    if (seq !== this._seq) return;
    this._offset = end;
    this._doneInFile += count;
    addCounts(this._doneSeverities, severities);
  }

  /** The scan of file `seq` found where to resume in it and how many records were before. */
  resumed(seq: number, offset: number, doneInFile: number): void {
    if (seq !== this._seq) return;
    this._offset = offset;
    this._doneInFile = doneInFile;
  }
}
