/** A benchmark was called with arguments it does not understand; the message says the usage. */
export class BenchUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BenchUsageError';
  }
}
