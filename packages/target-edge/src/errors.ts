/** A failure with a stable code and what to do about it (hosts show code, message and hint). */
export class EdgeError extends Error {
  code: string;
  hint?: string;
  constructor(code: string, message: string, hint?: string) {
    super(message);
    this.name = 'EdgeError';
    this.code = code;
    if (hint) this.hint = hint;
  }
}
