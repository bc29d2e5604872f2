/**
 * The function wrapped around EJS-generated template source: output with a size cap, the template's
 * scope bound to plain local variables (no `with`, so lookups are fast), and errors rethrown with the
 * template file and line. The host compiles templates with {@link wrapTemplate}; the sandbox compiles
 * `tpl` strings and includes with extra locals through the same code ({@link WRAP_SOURCE}, kept identical
 * by a test).
 */

/** Names every template sees as variables: the scope objects and the helpers. */
export const SCOPE_NAMES: readonly string[] = [
  'Values', 'Release', 'Chart', 'Capabilities', 'Files', 'Template', 'include', 'tpl',
  'toYaml', 'toJson', 'fromYaml', 'fromJson', 'indent', 'nindent', 'quote', 'squote', 'b64enc', 'b64dec',
  'sha256sum', 'required', 'fail', 'trunc', 'trimSuffix', 'semverSatisfies', 'lookup',
];

/**
 * The source of a function expression `(locals, escapeFn, include, rethrow) => string` for a template;
 * `names` are bound from `locals` (valid identifiers only). The generated source starts on line 7.
 */
export function wrapTemplate(source: string, filename: string, maxOutput: number, names: readonly string[]): string {
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
    '  var ' +
    names.map((n) => `${n} = locals.${n}`).join(', ') +
    ';\n' +
    source +
    '\n' +
    '  return __output;\n' +
    '} catch (e) {\n' +
    '  rethrow(e, __lines, __filename, __line, escapeFn);\n' +
    '}\n' +
    '})'
  );
}

/** In-sandbox source defining `__maglev.wrapTemplate` (the same function) and `__maglev.SCOPE_NAMES`. */
export const WRAP_SOURCE =
  String.raw`
(function (M) {
  'use strict';
  M.SCOPE_NAMES = ` +
  JSON.stringify(SCOPE_NAMES) +
  String.raw`;
  M.wrapTemplate = function (source, filename, maxOutput, names) {
    return (
      '(function (locals, escapeFn, include, rethrow) {\n' +
      'var __line = 1, __lines = "", __filename = ' + JSON.stringify(filename) + ';\n' +
      'try {\n' +
      '  var __output = "";\n' +
      '  function __append(s) { if (s !== undefined && s !== null) { __output += s; if (__output.length > ' +
      String(maxOutput) + ') throw new RangeError("rendered output exceeds ' + String(maxOutput) + ' characters"); } }\n' +
      '  var ' + names.map(function (n) { return n + ' = locals.' + n; }).join(', ') + ';\n' +
      source +
      '\n' +
      '  return __output;\n' +
      '} catch (e) {\n' +
      '  rethrow(e, __lines, __filename, __line, escapeFn);\n' +
      '}\n' +
      '})'
    );
  };
})(globalThis.__maglev);
`;
