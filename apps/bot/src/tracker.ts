// Work started by webhooks and finished after their responses: counted, awaited on shutdown.
export class Tracker {
  readonly #running = new Set<Promise<unknown>>();
  track(work: Promise<unknown>): void {
    const p = work.catch(() => undefined).finally(() => this.#running.delete(p));
    this.#running.add(p);
  }

  get size(): number {
    return this.#running.size;
  }

  /** Resolves when nothing is running (including work started while waiting). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }
}
