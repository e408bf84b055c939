import { Injectable } from '@nestjs/common';

/**
 * Where the process is in its shutdown: `draining` from the first signal on (readiness answers 503,
 * everything else is still served), `closing` once it stopped accepting connections (responses of
 * requests still in flight then close their connection instead of keeping it alive).
 */
@Injectable()
export class ShutdownState {
  private drainingSince: Date | null = null;
  private closingSince: Date | null = null;

  get draining(): boolean {
    return this.drainingSince !== null;
  }

  get closing(): boolean {
    return this.closingSince !== null;
  }

  startDraining(): void {
    this.drainingSince ??= new Date();
  }

  startClosing(): void {
    this.startDraining();
    this.closingSince ??= new Date();
  }
}
