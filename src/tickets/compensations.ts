import { Logger } from '@nestjs/common';

/**
 * Undo steps of a multi-step operation (seed: nothing half-written when a later step fails): each step that
 * wrote something adds how to undo it; on failure they run newest first, every one of them even when an
 * earlier undo fails (that failure is logged, never thrown over the original error).
 */
export class Compensations {
  private readonly steps: { name: string; undo: () => Promise<void> }[] = [];

  constructor(private readonly logger: Pick<Logger, 'warn'> = new Logger(Compensations.name)) {}

  add(name: string, undo: () => Promise<void>): void {
    this.steps.unshift({ name, undo });
  }

  /** Names of the steps that could not be undone, in the order they were tried. */
  async run(): Promise<string[]> {
    const failed: string[] = [];
    for (const step of this.steps.splice(0)) {
      try {
        await step.undo();
      } catch (error) {
        failed.push(step.name);
        this.logger.warn(`Could not undo "${step.name}": ${(error as Error).message}`);
      }
    }
    return failed;
  }
}
