/**
 * The function wrapped around EJS-generated template source: output with a size cap, the template's
 * locals in scope via `with`, and errors rethrown with the template file and line. The host compiles
 * templates with {@link wrapTemplate}; the sandbox compiles `tpl` strings with the same code
 * ({@link WRAP_SOURCE}, kept identical by a test).
 */

/** The source of a function expression `(locals, escapeFn, include, rethrow) => string` for a template. */
export function wrapTemplate(source: string, filename: string, maxOutput: number): string {
  return (
    '(function (locals, escapeFn, include, rethrow) {\n' +
    'var __line = 1, __lines = "", __filename = ' +
    JSON.stringify(filename) +
    ';\n' +
    'try {\n' +
    '  var __output = "";\n' +
    '  function __append(s) { if (s !== undefined && s !== null) { __output += s; if (__output.length > ' +
    String(maxOutput) +
    ') throw new RangeError("rendered output exceeds ' +
    String(maxOutput) +
    ' characters"); } }\n' +
    '  with (locals) {\n' +
    source +
    '\n  }\n' +
    '  return __output;\n' +
    '} catch (e) {\n' +
    '  rethrow(e, __lines, __filename, __line, escapeFn);\n' +
    '}\n' +
    '})'
  );
}

/** In-sandbox source defining `__maglev.wrapTemplate`, the same function as {@link wrapTemplate}. */
export const WRAP_SOURCE = String.raw`
(function (M) {
  'use strict';
  M.wrapTemplate = function (source, filename, maxOutput) {
    return (
      '(function (locals, escapeFn, include, rethrow) {\n' +
      'var __line = 1, __lines = "", __filename = ' + JSON.stringify(filename) + ';\n' +
      'try {\n' +
      '  var __output = "";\n' +
      '  function __append(s) { if (s !== undefined && s !== null) { __output += s; if (__output.length > ' +
      String(maxOutput) + ') throw new RangeError("rendered output exceeds ' + String(maxOutput) + ' characters"); } }\n' +
      '  with (locals) {\n' +
      source +
      '\n  }\n' +
      '  return __output;\n' +
      '} catch (e) {\n' +
      '  rethrow(e, __lines, __filename, __line, escapeFn);\n' +
      '}\n' +
      '})'
    );
  };
})(globalThis.__maglev);
`;
