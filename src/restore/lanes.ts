/**
 * A few database connections ("lanes") working through jobs at once: table parts while the
 * archive is read, index builds and checks after it. The first failure stops the pool: no new
 * job starts, and {@link Lanes.drain} throws that failure once the running jobs have ended,
 * so nothing is left writing when a restore gives up.
 */
export class Lanes {
  private readonly running: (Promise<void> | undefined)[];
  private failure: { readonly error: unknown } | undefined;

  constructor(readonly count: number) {
    this.running = Array.from({ length: Math.max(1, count) }, () => undefined);
  }

  /** True once a job has failed; a producer should stop reading. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /**
   * Waits for a free lane and starts `job` on it (the lane's number is passed in); resolves
   * when the job has started, with `done` for its end (which never rejects: a failure is kept
   * for {@link drain}). Throws the first failure instead of starting.
   */
  async start(job: (lane: number) => Promise<void>): Promise<{ readonly done: Promise<void> }> {
    for (;;) {
      if (this.failure) throw this.failure.error;
      const free = this.running.indexOf(undefined);
      if (free !== -1) {
        const done = job(free).then(
          () => undefined,
          (error: unknown) => {
            this.failure ??= { error };
          },
        );
        this.running[free] = done.finally(() => {
          this.running[free] = undefined;
        });
        return { done };
      }
      await Promise.race(this.running);
    }
  }

  /** Waits until every started job has ended; throws the first failure. */
  async drain(): Promise<void> {
    while (this.running.some((r) => r !== undefined)) await Promise.all(this.running);
    if (this.failure) throw this.failure.error;
  }

  /** Runs every job on the lanes, in the given order, and waits for all of them. */
  static async run(count: number, jobs: readonly ((lane: number) => Promise<void>)[]): Promise<void> {
    const lanes = new Lanes(count);
    try {
      for (const job of jobs) await lanes.start(job);
    } catch {
      // the failure is thrown by drain(), once the running jobs have ended
    }
    await lanes.drain();
  }
}
