/**
 * Cleanup steps of a run, run last-in first-out once, whatever happened (also on SIGINT); a step
 * that fails is reported through `say` and the others still run.
 */
export class Cleanup {
  private readonly steps: { what: string; run: () => unknown }[] = [];
  private running: Promise<void> | null = null;

  constructor(private readonly say: (line: string) => void) {}

  add(what: string, run: () => unknown): void {
    this.steps.push({ what, run });
  }

  runAll(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps.reverse()) {
        try {
          await step.run();
        } catch (err) {
          this.say(`cleanup: ${step.what} failed: ${(err as Error).message}`);
        }
      }
    })();
    return this.running;
  }
}
