/**
 * Group commit: calls that arrive within `maxWaitMs` of each other (or until `maxItems` are waiting)
 * are served by one call of `run` with all their inputs, so that under load one statement and one
 * WAL flush serve many callers; alone, a call waits at most `maxWaitMs`. `run` returns one output
 * per input, in order; if it throws, every caller of that batch gets the error.
 */
export interface BatcherOptions {
  maxItems: number;
  maxWaitMs: number;
}

export class Batcher<I, O> {
  private queue: Array<{ input: I; resolve: (o: O) => void; reject: (e: unknown) => void }> = [];
  private timer?: NodeJS.Timeout;

  constructor(private readonly run: (inputs: I[]) => Promise<O[]>, private readonly o: BatcherOptions) {}

  submit(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (this.queue.length >= this.o.maxItems) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.o.maxWaitMs);
    });
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue.splice(0, this.o.maxItems);
    if (this.queue.length > 0) this.timer = setTimeout(() => this.flush(), 0);
    if (batch.length === 0) return;
    this.run(batch.map((b) => b.input)).then(
      (outputs) => batch.forEach((b, i) => b.resolve(outputs[i])),
      (err) => batch.forEach((b) => b.reject(err)),
    );
  }
}
