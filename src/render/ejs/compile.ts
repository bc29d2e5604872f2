/**
 * Host-side template compilation (runs in the render worker, never executes template code): EJS text →
 * generated JavaScript (ejs's own scanner) → wrapped function source → a cached `vm.Script`. The script
 * only defines a function; it is instantiated in each fresh sandbox context and called there.
 */
import { createRequire } from 'node:module';
import vm from 'node:vm';
import { SCOPE_NAMES, wrapTemplate } from './runtime/wrap.js';

interface EjsTemplate {
  source: string;
  generateSource(): void;
}
type EjsTemplateCtor = new (text: string, opts: Record<string, unknown>) => EjsTemplate;

const require = createRequire(import.meta.url);
const Template = (require('ejs') as { Template: EjsTemplateCtor }).Template;

/** A template that failed to compile: the template line of the syntax error and its message. */
export class TemplateSyntaxError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super(message);
    this.name = 'TemplateSyntaxError';
  }
}

/** The template line for a line of generated source: the last `__line = N` marker at or above it. */
function templateLine(source: string, generatedLine: number): number {
  const lines = source.split('\n');
  for (let i = Math.min(generatedLine, lines.length) - 1; i >= 0; i--) {
    const m = /; __line = (\d+)/.exec(lines[i] ?? '');
    if (m?.[1] !== undefined) return Number(m[1]);
  }
  return 1;
}

/** Generated JavaScript for an EJS template (ejs's scanner with line markers; no HTML escaping is applied later). */
export function generateSource(text: string, filename: string): string {
  const t = new Template(text, { filename, compileDebug: true });
  t.generateSource();
  return t.source;
}

/** Compiles template text into a script whose completion value is the template function. */
export function compileTemplate(
  text: string,
  filename: string,
  maxOutput: number,
  importModuleDynamically: () => never,
): vm.Script {
  let source: string;
  try {
    source = generateSource(text, filename);
  } catch (err) {
    throw new TemplateSyntaxError(filename, 1, err instanceof Error ? err.message.split('\n')[0] ?? '' : String(err));
  }
  const wrapped = wrapTemplate(source, filename, maxOutput, SCOPE_NAMES);
  try {
    return new vm.Script(wrapped, { filename, importModuleDynamically });
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    const first = (err.stack ?? '').split('\n')[0] ?? '';
    const m = /:(\d+)$/.exec(first);
    // The wrapper puts 6 lines before the generated source (see wrapTemplate).
    const line = m?.[1] === undefined ? 1 : templateLine(source, Number(m[1]) - 6);
    throw new TemplateSyntaxError(filename, line, `SyntaxError: ${err.message}`);
  }
}

/** A bounded cache of compiled templates keyed by file name, text and output cap (oldest evicted first). */
export class TemplateCache {
  private readonly scripts = new Map<string, vm.Script>();

  constructor(
    private readonly importModuleDynamically: () => never,
    private readonly maxEntries = 4000,
  ) {}

  /** The compiled script for a template, compiling it on first use. */
  get(text: string, filename: string, maxOutput: number): vm.Script {
    const key = `${filename}\0${maxOutput}\0${text}`;
    const hit = this.scripts.get(key);
    if (hit !== undefined) {
      this.scripts.delete(key);
      this.scripts.set(key, hit);
      return hit;
    }
    const script = compileTemplate(text, filename, maxOutput, this.importModuleDynamically);
    this.scripts.set(key, script);
    if (this.scripts.size > this.maxEntries) {
      const oldest = this.scripts.keys().next().value;
      if (oldest !== undefined) this.scripts.delete(oldest);
    }
    return script;
  }
}
