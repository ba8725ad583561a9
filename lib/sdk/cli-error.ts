/**
 * A mistake of the user's (a bad argument, a missing deployment, a refused transaction): tools
 * print its message as one line and exit 1, never a stack trace.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
