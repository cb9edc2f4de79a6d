/**
 * At most `limit` pieces of work at once, the rest waiting in order. For a caller that starts many
 * requests to one place at once (every remote inbox of a listing): beyond a few, more at once only
 * opens more connections, each with its own TLS handshake, where kept-alive ones would serve them.
 */
export class Limiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running += 1;
    try {
      return await work();
    } finally {
      // The slot passes straight to the next waiting work, so the count never drops below in-use.
      const next = this.waiting.shift();
      if (next === undefined) this.running -= 1;
      else next();
    }
  }
}
