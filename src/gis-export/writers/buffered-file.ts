// An append-only file written through a fixed-size buffer: records are encoded straight into the buffer
// and full buffers go to disk one after the other, so memory stays at a buffer or two whatever the size.
import { open, type FileHandle } from 'node:fs/promises';

const DEFAULT_CAPACITY = 1 << 20;

export class BufferedFile {
  /** Buffer the caller encodes into at the offset `reserve` returned. */
  buf: Buffer;
  private used = 0;
  /** Bytes handed to the file so far plus `used`: the position of the next byte. */
  private flushed = 0;
  private pending: Promise<void> | null = null;
  /** How many buffers went to disk: a change tells the caller to await `flushing`. */
  handOffs = 0;
  private failure: unknown = null;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly capacity: number,
  ) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  static async create(path: string, capacity = DEFAULT_CAPACITY): Promise<BufferedFile> {
    return new BufferedFile(path, await open(path, 'w'), capacity);
  }

  /** Length of the file once everything written so far is on disk. */
  get length(): number {
    return this.flushed + this.used;
  }

  /**
   * Makes room for `n` bytes and returns where to encode them in `this.buf`. When a full buffer had to
   * be handed to the disk, `handOffs` grows: await `flushing` before reserving much more.
   */
  reserve(n: number): number {
    if (this.used + n > this.buf.length) {
      this.handOff();
      if (n > this.buf.length) this.buf = Buffer.allocUnsafe(Math.max(n, this.capacity));
    }
    const at = this.used;
    this.used += n;
    return at;
  }

  /** The disk write in progress, if any (the caller awaits it to keep memory bounded). */
  get flushing(): Promise<void> | null {
    return this.pending;
  }

  private handOff(): void {
    if (this.used === 0) return;
    const full = this.buf;
    const length = this.used;
    this.handOffs++;
    this.flushed += length;
    this.buf = Buffer.allocUnsafe(this.capacity);
    this.used = 0;
    const previous = this.pending ?? Promise.resolve();
    const write = previous.then(async () => {
      if (this.failure) return;
      try {
        await this.handle.write(full, 0, length, null);
      } catch (error) {
        this.failure = error;
      }
    });
    this.pending = write;
    void write.then(() => {
      if (this.pending === write) this.pending = null;
    });
  }

  /** Writes `data` at absolute position `at` (headers), after everything buffered is on disk. */
  async writeAt(at: number, data: Buffer): Promise<void> {
    await this.flush();
    await this.handle.write(data, 0, data.length, at);
  }

  async flush(): Promise<void> {
    this.handOff();
    while (this.pending) await this.pending;
    if (this.failure) throw this.failure;
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.handle.close();
    }
  }

  /** Closes without flushing (after a failure). */
  async discard(): Promise<void> {
    while (this.pending) await this.pending.catch(() => undefined);
    await this.handle.close().catch(() => undefined);
  }
}
