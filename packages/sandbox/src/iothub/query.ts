/**
 * The part of the IoT Hub query language Dove and its users need: `SELECT * | COUNT() [AS n]
 * FROM devices [WHERE ...]` with AND/OR/NOT, parentheses, comparisons, IN and IS_DEFINED.
 * Deployment target conditions use the same WHERE grammar.
 */
export type Predicate = (doc: Record<string, unknown>) => boolean;

export interface ParsedQuery {
  count: boolean;
  countAlias: string;
  where: Predicate;
  /** `tags.k = 'v'` terms ANDed at the top, for the tag index. */
  equalities: Array<{ path: string[]; value: unknown }>;
}

export class QuerySyntaxError extends Error {}

type Tok = { t: 'id' | 'str' | 'num' | 'op' | 'punct'; v: string };

function lex(text: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) i++;
    else if (c === "'" || c === '"') {
      let j = i + 1;
      let s = '';
      while (j < text.length && text[j] !== c) s += text[j++];
      if (j >= text.length) throw new QuerySyntaxError(`Unterminated string at position ${i}.`);
      out.push({ t: 'str', v: s });
      i = j + 1;
    } else if (/[0-9-]/.test(c) && /[0-9]/.test(text[i + 1] ?? c)) {
      const m = /^-?\d+(\.\d+)?/.exec(text.slice(i));
      if (!m) throw new QuerySyntaxError(`Bad number at position ${i}.`);
      out.push({ t: 'num', v: m[0] });
      i += m[0].length;
    } else if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][\w$-]*(\.[A-Za-z_$][\w$-]*)*/.exec(text.slice(i)) as RegExpExecArray;
      out.push({ t: 'id', v: m[0] });
      i += m[0].length;
    } else {
      const two = text.slice(i, i + 2);
      if (two === '<=' || two === '>=' || two === '!=' || two === '<>') {
        out.push({ t: 'op', v: two === '<>' ? '!=' : two });
        i += 2;
      } else if ('=<>'.includes(c)) {
        out.push({ t: 'op', v: c });
        i++;
      } else if ('()*,[]'.includes(c)) {
        out.push({ t: 'punct', v: c });
        i++;
      } else throw new QuerySyntaxError(`Unexpected character '${c}' at position ${i}.`);
    }
  }
  return out;
}

class Parser {
  toks: Tok[];
  pos = 0;
  constructor(toks: Tok[]) {
    this.toks = toks;
  }
  peek(): Tok | undefined {
    return this.toks[this.pos];
  }
  kw(word: string): boolean {
    const t = this.peek();
    if (t?.t === 'id' && t.v.toUpperCase() === word) {
      this.pos++;
      return true;
    }
    return false;
  }
  punct(p: string): boolean {
    const t = this.peek();
    if (t?.t === 'punct' && t.v === p) {
      this.pos++;
      return true;
    }
    return false;
  }
  expect(p: string): void {
    if (!this.punct(p)) throw new QuerySyntaxError(`Expected '${p}' near ${describe(this.peek())}.`);
  }
  or(): Predicate {
    const parts = [this.and()];
    while (this.kw('OR')) parts.push(this.and());
    return parts.length === 1 ? (parts[0] as Predicate) : (d) => parts.some((p) => p(d));
  }
  and(): Predicate {
    const parts = [this.unary()];
    while (this.kw('AND')) parts.push(this.unary());
    return parts.length === 1 ? (parts[0] as Predicate) : (d) => parts.every((p) => p(d));
  }
  unary(): Predicate {
    if (this.kw('NOT')) {
      const inner = this.unary();
      return (d) => !inner(d);
    }
    if (this.punct('(')) {
      const inner = this.or();
      this.expect(')');
      return inner;
    }
    const t = this.peek();
    if (t?.t === 'id' && t.v.toUpperCase() === 'IS_DEFINED') {
      this.pos++;
      this.expect('(');
      const path = this.path();
      this.expect(')');
      return (d) => get(d, path) !== undefined;
    }
    const path = this.path();
    if (this.kw('IN')) {
      this.expect('[');
      const values: unknown[] = [];
      if (!this.punct(']')) {
        do values.push(this.literal());
        while (this.punct(','));
        this.expect(']');
      }
      return (d) => values.some((v) => get(d, path) === v);
    }
    const op = this.peek();
    if (op?.t !== 'op')
      throw new QuerySyntaxError(`Expected a comparison after ${path.join('.')}, found ${describe(op)}.`);
    this.pos++;
    const value = this.literal();
    return compare(path, op.v, value);
  }
  path(): string[] {
    const t = this.peek();
    if (t?.t !== 'id') throw new QuerySyntaxError(`Expected a property path, found ${describe(t)}.`);
    this.pos++;
    const path = t.v.split('.');
    // devices.tags.x is the same as tags.x
    if (path[0] === 'devices' && path.length > 1) path.shift();
    return path;
  }
  literal(): unknown {
    const t = this.peek();
    this.pos++;
    if (t?.t === 'str') return t.v;
    if (t?.t === 'num') return Number(t.v);
    if (t?.t === 'id') {
      const w = t.v.toLowerCase();
      if (w === 'true') return true;
      if (w === 'false') return false;
      if (w === 'null') return null;
    }
    throw new QuerySyntaxError(
      `Expected a value (a quoted string, number, true, false or null), found ${describe(t)}.`,
    );
  }
}

const describe = (t: Tok | undefined) => (t ? `'${t.v}'` : 'the end');

function get(doc: unknown, path: string[]): unknown {
  let cur: unknown = doc;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function compare(path: string[], op: string, value: unknown): Predicate {
  return (d) => {
    const v = get(d, path);
    if (v === undefined) return false;
    switch (op) {
      case '=':
        return v === value;
      case '!=':
        return v !== value;
      case '<':
        return typeof v === typeof value && (v as number) < (value as number);
      case '>':
        return typeof v === typeof value && (v as number) > (value as number);
      case '<=':
        return typeof v === typeof value && (v as number) <= (value as number);
      default:
        return typeof v === typeof value && (v as number) >= (value as number);
    }
  };
}

/** Top-level ANDed equality terms (no OR/NOT), so a tag index can narrow the scan. */
function equalities(toks: Tok[]): ParsedQuery['equalities'] {
  if (toks.some((t) => t.t === 'id' && ['OR', 'NOT'].includes(t.v.toUpperCase()))) return [];
  if (toks.some((t) => t.t === 'punct' && t.v === '(')) return [];
  const out: ParsedQuery['equalities'] = [];
  for (let i = 0; i + 2 < toks.length; i++) {
    const [a, b, c] = [toks[i], toks[i + 1], toks[i + 2]] as [Tok, Tok, Tok];
    if (a.t === 'id' && b.t === 'op' && b.v === '=' && (c.t === 'str' || c.t === 'num')) {
      const path = a.v.split('.');
      if (path[0] === 'devices') path.shift();
      out.push({ path, value: c.t === 'num' ? Number(c.v) : c.v });
    }
  }
  return out;
}

/** A deployment's target condition (`tags.env='prod' AND ...`), or `*` for every device. */
export function parseCondition(text: string): { where: Predicate; equalities: ParsedQuery['equalities'] } {
  if (text.trim() === '*') return { where: () => true, equalities: [] };
  const toks = lex(text);
  const p = new Parser(toks);
  const where = p.or();
  if (p.pos !== toks.length) throw new QuerySyntaxError(`Unexpected ${describe(p.peek())} in the condition.`);
  return { where, equalities: equalities(toks) };
}

export function parseQuery(text: string): ParsedQuery {
  const toks = lex(text);
  const p = new Parser(toks);
  if (!p.kw('SELECT')) throw new QuerySyntaxError('A query starts with SELECT.');
  let count = false;
  let countAlias = '$1';
  if (p.punct('*')) {
    // all properties
  } else if (p.kw('COUNT')) {
    p.expect('(');
    p.expect(')');
    count = true;
    if (p.kw('AS')) {
      const alias = p.peek();
      if (alias?.t !== 'id') throw new QuerySyntaxError('Expected a name after AS.');
      p.pos++;
      countAlias = alias.v;
    }
  } else
    throw new QuerySyntaxError(
      `Only SELECT * and SELECT COUNT() are supported, found ${describe(p.peek())}.`,
    );
  if (!p.kw('FROM') || !p.kw('DEVICES')) throw new QuerySyntaxError('Only FROM devices is supported.');
  if (p.pos === toks.length) return { count, countAlias, where: () => true, equalities: [] };
  if (!p.kw('WHERE')) throw new QuerySyntaxError(`Expected WHERE, found ${describe(p.peek())}.`);
  const rest = toks.slice(p.pos);
  const where = p.or();
  if (p.pos !== toks.length) throw new QuerySyntaxError(`Unexpected ${describe(p.peek())} in the query.`);
  return { count, countAlias, where, equalities: equalities(rest) };
}
