/**
 * In-sandbox source: the template helpers that need no chart context (strings, encodings, quoting,
 * parsing, semver), plus deterministic `Math.random` and `Date`. Defines `__maglev.helpers`.
 * Needs `__maglev.codec`, `__maglev.goyaml` and `__maglev.jsyaml` (js-yaml, loaded before this).
 */
export const HELPERS_SOURCE = String.raw`
(function (M, G) {
  'use strict';
  var C = M.codec;
  function str(v) { return v === undefined || v === null ? '' : String(v); }
  function fail(message) { throw new Error(str(message)); }
  function required(v, message) {
    if (v === undefined || v === null || v === '') fail(message === undefined ? 'a required value is missing' : message);
    return v;
  }
  var pads = [];
  function indent(s, n) {
    var w = Math.max(0, Number(n) || 0), pad = w <= 64 ? pads[w] || (pads[w] = ' '.repeat(w)) : ' '.repeat(w);
    return pad + str(s).split('\n').join('\n' + pad);
  }
  function nindent(s, n) { return '\n' + indent(s, n); }
  function isPrint(ch) { return /[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u.test(ch); }
  // Go %q (strconv.Quote), what Helm's quote writes.
  function goQuote(s) {
    var out = '"';
    for (var ch of s) {
      var c = ch.codePointAt(0);
      if (ch === '"' || ch === '\\') out += '\\' + ch;
      else if (isPrint(ch) && !(c >= 0xD800 && c < 0xE000)) out += ch;
      else if (c === 7) out += '\\a'; else if (c === 8) out += '\\b'; else if (c === 12) out += '\\f';
      else if (c === 10) out += '\\n'; else if (c === 13) out += '\\r'; else if (c === 9) out += '\\t';
      else if (c === 11) out += '\\v';
      else if (c < 0x80 || (c >= 0xD800 && c < 0xE000)) out += c < 0x80 ? '\\x' + ('0' + c.toString(16)).slice(-2) : '\\ufffd';
      else if (c <= 0xFFFF) out += '\\u' + ('000' + c.toString(16)).slice(-4);
      else out += '\\U' + ('0000000' + c.toString(16)).slice(-8);
    }
    return out + '"';
  }
  function quote(v) { return v === undefined || v === null ? '' : goQuote(String(v)); }
  function squote(v) { return "'" + str(v).split("'").join("''") + "'"; }
  function trunc(s, n) {
    s = str(s); n = Math.trunc(Number(n));
    if (n < 0 && s.length + n > 0) return s.slice(s.length + n);
    if (n >= 0 && s.length > n) return s.slice(0, n);
    return s;
  }
  function trimSuffix(s, suffix) { s = str(s); suffix = str(suffix); return suffix !== '' && s.endsWith(suffix) ? s.slice(0, s.length - suffix.length) : s; }
  function b64enc(s) { return C.b64encode(typeof s === 'object' && s instanceof Uint8Array ? s : C.utf8Encode(str(s))); }
  function b64dec(s) { return C.utf8Decode(C.b64decode(str(s))); }
  function sha256sum(s) { return C.sha256hex(typeof s === 'object' && s instanceof Uint8Array ? s : C.utf8Encode(str(s))); }
  function fromJson(s) { return JSON.parse(str(s)); }
  function fromYaml(s) { return M.jsyaml.load(str(s), { schema: M.jsyaml.CORE_SCHEMA }); }

  // Masterminds/semver-style constraints, as Helm's semverCompare reads them.
  function parseVersion(s) {
    var m = /^v?([0-9]+)(?:\.([0-9]+|[xX*]))?(?:\.([0-9]+|[xX*]))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(String(s).trim());
    if (!m) return null;
    var wild = function (p) { return p === undefined || /^[xX*]$/.test(p); };
    return { major: +m[1], minor: wild(m[2]) ? 0 : +m[2], patch: wild(m[3]) ? 0 : +m[3],
      pre: m[4] === undefined ? [] : m[4].split('.'), wildMinor: wild(m[2]), wildPatch: wild(m[3]), minorGiven: m[2] !== undefined };
  }
  function cmpPre(a, b) {
    if (a.length === 0 || b.length === 0) return b.length - a.length;
    for (var i = 0; i < a.length && i < b.length; i++) {
      var x = a[i], y = b[i], nx = /^[0-9]+$/.test(x), ny = /^[0-9]+$/.test(y);
      if (x === y) continue;
      if (nx && ny) return +x - +y;
      if (nx !== ny) return nx ? -1 : 1;
      return x < y ? -1 : 1;
    }
    return a.length - b.length;
  }
  function cmp(a, b) { return a.major - b.major || a.minor - b.minor || a.patch - b.patch || cmpPre(a.pre, b.pre); }
  function checkOne(v, op, c) {
    if (v.pre.length > 0 && c.pre.length === 0) return false;
    var lo = { major: c.major, minor: c.minor, patch: c.patch, pre: c.pre };
    var bump = function (maj, min, pat) { return { major: maj, minor: min, patch: pat, pre: [] }; };
    var wildHi = c.wildMinor ? bump(c.major + 1, 0, 0) : c.wildPatch ? bump(c.major, c.minor + 1, 0) : null;
    switch (op) {
      case '': case '=': return wildHi ? cmp(v, lo) >= 0 && cmp(v, wildHi) < 0 : cmp(v, lo) === 0;
      case '!=': return wildHi ? !(cmp(v, lo) >= 0 && cmp(v, wildHi) < 0) : cmp(v, lo) !== 0;
      case '>': return wildHi ? cmp(v, wildHi) >= 0 : cmp(v, lo) > 0;
      case '<': return cmp(v, lo) < 0;
      case '>=': case '=>': return cmp(v, lo) >= 0;
      case '<=': case '=<': return wildHi ? cmp(v, wildHi) < 0 : cmp(v, lo) <= 0;
      case '~': case '~>':
        return cmp(v, lo) >= 0 && cmp(v, c.minorGiven ? bump(c.major, c.minor + 1, 0) : bump(c.major + 1, 0, 0)) < 0;
      case '^':
        var hi = c.major > 0 || !c.minorGiven ? bump(c.major + 1, 0, 0)
          : c.minor > 0 || c.wildPatch ? bump(0, c.minor + 1, 0) : bump(0, 0, c.patch + 1);
        return cmp(v, lo) >= 0 && cmp(v, hi) < 0;
    }
    throw new Error('unknown semver operator ' + op);
  }
  function semverSatisfies(version, range) {
    var v = parseVersion(version);
    if (v === null) fail('invalid semantic version: ' + str(version));
    return str(range).split('||').some(function (group) {
      var g = group.trim().replace(/\s+-\s+/g, ' HYPHEN ').replace(/(>=|<=|=>|=<|!=|~>|[<>=~^])\s+/g, '$1');
      var parts = g.split(/[\s,]+/).filter(function (p) { return p !== ''; });
      var conds = [];
      for (var i = 0; i < parts.length; i++) {
        if (parts[i + 1] === 'HYPHEN') { conds.push(['>=', parts[i]], ['<=', parts[i + 2]]); i += 2; continue; }
        var m = /^(>=|<=|=>|=<|!=|~>|[<>=~^])?(.*)$/.exec(parts[i]);
        conds.push([m[1] || '', m[2]]);
      }
      return conds.every(function (cd) {
        if (/^[xX*]$/.test(cd[1])) return v.pre.length === 0;
        var c = parseVersion(cd[1]);
        if (c === null) fail('invalid semver constraint: ' + cd[1]);
        return checkOne(v, cd[0], c);
      });
    });
  }

  // Deterministic output: a seeded Math.random (reseeded for every render) and a frozen clock (the epoch).
  var SEED = 0x9E3779B9, seed = SEED;
  M.resetRandom = function () { seed = SEED; };
  Math.random = function () {
    seed = (seed + 0x6D2B79F5) | 0;
    var t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  var RealDate = Date;
  function FixedDate() {
    var args = Array.prototype.slice.call(arguments);
    if (!new.target) return new RealDate(0).toString();
    return args.length === 0 ? new RealDate(0) : new (Function.prototype.bind.apply(RealDate, [null].concat(args)))();
  }
  FixedDate.prototype = RealDate.prototype;
  FixedDate.now = function () { return 0; };
  FixedDate.UTC = RealDate.UTC;
  FixedDate.parse = RealDate.parse;
  G.Date = FixedDate;
  delete G.console;

  M.helpers = { toYaml: M.goyaml.toYaml, toJson: M.goyaml.toJson, fromYaml: fromYaml, fromJson: fromJson,
    indent: indent, nindent: nindent, quote: quote, squote: squote, b64enc: b64enc, b64dec: b64dec,
    sha256sum: sha256sum, required: required, fail: fail, trunc: trunc, trimSuffix: trimSuffix,
    semverSatisfies: semverSatisfies };
  M.parseVersion = parseVersion;
})(globalThis.__maglev, globalThis);
`;
