/**
 * Assembles the code evaluated in every render context: codec, Go YAML/JSON, helpers, the ejs library
 * (for `tpl`, behind a require shim that offers no file system), the template wrapper, the driver and the
 * lockdown that freezes it all. js-yaml (for `fromYaml`) is loaded before the lockdown, since code
 * evaluated after it could not set up its prototypes on frozen built-ins.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CODEC_SOURCE } from './codec.js';
import { DRIVER_SOURCE } from './driver.js';
import { GOYAML_EMIT_SOURCE } from './goyaml-emit.js';
import { GOYAML_SOURCE } from './goyaml.js';
import { HELPERS_SOURCE } from './helpers.js';
import { LOCKDOWN_SOURCE } from './lockdown.js';
import { WRAP_SOURCE } from './wrap.js';

const require = createRequire(import.meta.url);

/** The ejs library as in-sandbox source defining `__maglev.ejs`; its `fs` can read nothing. */
function ejsLibrarySource(): string {
  const lib = dirname(require.resolve('ejs'));
  const read = (f: string): string => readFileSync(join(lib, f), 'utf8');
  const version = (JSON.parse(readFileSync(join(lib, '..', 'package.json'), 'utf8')) as { version: string }).version;
  return `
(function (M) {
  var mods = {};
  function base(p) { var s = String(p); return s.slice(s.lastIndexOf('/') + 1); }
  var fsShim = { readFileSync: function () { throw new Error('file access is disabled'); }, existsSync: function () { return false; } };
  var pathShim = {
    basename: function (p, ext) { var b = base(p); return ext && b.endsWith(ext) ? b.slice(0, b.length - ext.length) : b; },
    extname: function (p) { var b = base(p), i = b.lastIndexOf('.'); return i > 0 ? b.slice(i) : ''; },
    dirname: function (p) { var s = String(p), i = s.lastIndexOf('/'); return i > 0 ? s.slice(0, i) : i === 0 ? '/' : '.'; },
    join: function () { return Array.prototype.join.call(arguments, '/'); },
    resolve: function () { return Array.prototype.join.call(arguments, '/'); },
  };
  function req(name) {
    if (name === 'fs') return fsShim;
    if (name === 'path') return pathShim;
    if (name === './utils') return mods.utils;
    if (name === '../package.json') return { version: ${JSON.stringify(version)} };
    throw new Error('module ' + name + ' is not available');
  }
  function load(key, body) { var module = { exports: {} }; body(module.exports, req, module); mods[key] = module.exports; }
  load('utils', function (exports, require, module) {
${read('utils.js')}
  });
  load('ejs', function (exports, require, module) {
${read('ejs.js')}
  });
  M.ejs = mods.ejs;
})(globalThis.__maglev);
`;
}

/** The full in-sandbox runtime, in evaluation order. */
export function runtimeSource(): string {
  return [
    'globalThis.__maglev = {};',
    jsYamlLibrarySource(),
    CODEC_SOURCE,
    GOYAML_SOURCE,
    GOYAML_EMIT_SOURCE,
    HELPERS_SOURCE,
    WRAP_SOURCE,
    ejsLibrarySource(),
    DRIVER_SOURCE,
    LOCKDOWN_SOURCE,
  ].join('\n');
}

/** The js-yaml browser bundle as in-sandbox source defining `__maglev.jsyaml` (for `fromYaml`). */
function jsYamlLibrarySource(): string {
  const main = require.resolve('js-yaml');
  const text = readFileSync(join(dirname(main), 'dist', 'js-yaml.js'), 'utf8');
  return `(function (M) {\n  var module = { exports: {} };\n  (function (module, exports) {\n${text}\n  })(module, module.exports);\n  M.jsyaml = module.exports;\n})(globalThis.__maglev);\n`;
}
