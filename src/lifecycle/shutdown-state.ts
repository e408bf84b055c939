import { Injectable } from '@nestjs/common';

/** Whether the process is draining: readiness answers 503 from the first signal on. */
@Injectable()
export class ShutdownState {
  private drainingSince: Date | null = null;

  get draining(): boolean {
    return this.drainingSince !== null;
  }

  startDraining(): void {
    this.drainingSince ??= new Date();
  }
}
