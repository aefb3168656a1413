// A strict JSON parser for environment files: refuses duplicate keys (with both places) and deep nesting.
// Its errors give a line and column and a reason, never the text around the error, which could be a password.

/** Deeper than any environment file needs (the schema nests 5 levels); it keeps the parser's recursion shallow. */
export const MAX_JSON_DEPTH = 64;

export interface JsonLocation {
  readonly line: number;
  readonly column: number;
}

export class JsonSyntaxProblem extends Error {
  readonly location: JsonLocation;
  /** The JSON path where it happened (for duplicate keys and depth); empty for plain syntax errors. */
  readonly path: readonly PropertyKey[];

  constructor(reason: string, location: JsonLocation, path: readonly PropertyKey[] = []) {
    super(reason);
    this.name = "JsonSyntaxProblem";
    this.location = location;
    this.path = path;
  }
}

/** Describes the character at a position without showing it, when it could be part of a secret. */
function describeCharacter(character: string | undefined): string {
  if (character === undefined) return "the end of the file";
  if (/[{}[\]:,"]/.test(character)) return `"${character}"`;
  if (/\s/.test(character)) return "whitespace";
  if (/[\u0000-\u001f\u007f-\u009f]/.test(character)) return "a control character";
  return "a value that is not JSON";
}

class Parser {
  private index = 0;
  private line = 1;
  private lineStart = 0;

  constructor(private readonly text: string) {}

  parse(): unknown {
    this.skipWhitespace();
    const value = this.value([], 0);
    this.skipWhitespace();
    if (this.index < this.text.length) this.fail(`unexpected ${describeCharacter(this.peek())} after the document`);
    return value;
  }

  private location(at = this.index): JsonLocation {
    // Columns count characters from 1, as editors show them.
    return { line: this.line, column: at - this.lineStart + 1 };
  }

  private fail(reason: string, path: readonly PropertyKey[] = [], at = this.index): never {
    throw new JsonSyntaxProblem(reason, this.location(at), path);
  }

  private peek(): string | undefined {
    return this.index < this.text.length ? this.text[this.index] : undefined;
  }

  private skipWhitespace(): void {
    for (;;) {
      const character = this.text[this.index];
      if (character === "\n") {
        this.index += 1;
        this.line += 1;
        this.lineStart = this.index;
      } else if (character === " " || character === "\t" || character === "\r") {
        this.index += 1;
      } else {
        return;
      }
    }
  }

  private value(path: readonly PropertyKey[], depth: number): unknown {
    const character = this.peek();
    if (character === "{" || character === "[") {
      if (depth >= MAX_JSON_DEPTH)
        this.fail(`nesting deeper than ${MAX_JSON_DEPTH} levels; an environment file needs far fewer`, path);
      return character === "{" ? this.object(path, depth + 1) : this.array(path, depth + 1);
    }
    if (character === '"') return this.string();
    if (character === "-" || (character !== undefined && character >= "0" && character <= "9")) return this.number();
    for (const [word, value] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (this.text.startsWith(word, this.index)) {
        this.index += word.length;
        return value;
      }
    }
    return this.fail(`expected a value, found ${describeCharacter(character)}`);
  }

  private object(path: readonly PropertyKey[], depth: number): Record<string, unknown> {
    this.index += 1;
    const result: Record<string, unknown> = {};
    const seen = new Map<string, JsonLocation>();
    this.skipWhitespace();
    if (this.peek() === "}") {
      this.index += 1;
      return result;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.peek() !== '"') this.fail(`expected a key in double quotes, found ${describeCharacter(this.peek())}`);
      const keyLocation = this.location();
      const key = this.string();
      const first = seen.get(key);
      if (first !== undefined) {
        this.fail(
          `duplicate key (also at line ${first.line}, column ${first.column}): JSON readers disagree on which one ` +
            "wins, so keep exactly one",
          [...path, key],
          this.index - 1,
        );
      }
      seen.set(key, keyLocation);
      this.skipWhitespace();
      if (this.peek() !== ":") this.fail(`expected ":" after a key, found ${describeCharacter(this.peek())}`);
      this.index += 1;
      this.skipWhitespace();
      // defineProperty: a key named "__proto__" stays an ordinary key (the schema then refuses it as unknown).
      Object.defineProperty(result, key, {
        value: this.value([...path, key], depth),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.skipWhitespace();
      const next = this.peek();
      this.index += 1;
      if (next === "}") return result;
      if (next !== ",")
        this.fail(`expected "," or "}" in an object, found ${describeCharacter(next)}`, [], this.index - 1);
    }
  }

  private array(path: readonly PropertyKey[], depth: number): unknown[] {
    this.index += 1;
    const result: unknown[] = [];
    this.skipWhitespace();
    if (this.peek() === "]") {
      this.index += 1;
      return result;
    }
    for (;;) {
      this.skipWhitespace();
      result.push(this.value([...path, result.length], depth));
      this.skipWhitespace();
      const next = this.peek();
      this.index += 1;
      if (next === "]") return result;
      if (next !== ",")
        this.fail(`expected "," or "]" in an array, found ${describeCharacter(next)}`, [], this.index - 1);
    }
  }

  private string(): string {
    const start = this.index;
    this.index += 1;
    let result = "";
    for (;;) {
      const character = this.text[this.index];
      if (character === undefined) this.fail("a string is not closed", [], start);
      if (character === '"') {
        this.index += 1;
        return result;
      }
      if (character < " ") this.fail("a control character (such as a line break) inside a string; write it as \\n");
      if (character === "\\") {
        const escaped = this.text[this.index + 1];
        const simple: Record<string, string> = {
          '"': '"',
          "\\": "\\",
          "/": "/",
          b: "\b",
          f: "\f",
          n: "\n",
          r: "\r",
          t: "\t",
        };
        if (escaped !== undefined && simple[escaped] !== undefined) {
          result += simple[escaped];
          this.index += 2;
        } else if (escaped === "u" && /^[0-9a-fA-F]{4}$/.test(this.text.slice(this.index + 2, this.index + 6))) {
          result += String.fromCharCode(Number.parseInt(this.text.slice(this.index + 2, this.index + 6), 16));
          this.index += 6;
        } else {
          this.fail('an invalid escape in a string (JSON knows \\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX)');
        }
      } else {
        result += character;
        this.index += 1;
      }
    }
  }

  private number(): number {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.index, this.index + 400));
    if (match === null) return this.fail("a number is malformed");
    this.index += match[0].length;
    return Number(match[0]);
  }
}

/** Parses JSON text; throws JsonSyntaxProblem (line, column, reason; never the text) on any error. */
export function parseStrictJson(text: string): unknown {
  return new Parser(text).parse();
}
