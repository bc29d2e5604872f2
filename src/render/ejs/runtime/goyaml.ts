/**
 * In-sandbox source: `toYaml` and `toJson` that write what Helm's do. Helm's toYaml is sigs.k8s.io/yaml:
 * JSON-encode, decode with yaml.v2 (numbers become int/uint/float), then yaml.v2 Marshal (keys in yaml.v2's
 * letter/number-aware order, indentless block sequences, 80-column folding, YAML 1.1 quoting).
 * This part: scalar resolution, key order and scalar analysis (`__maglev.yamlScalars`); the emitter is in
 * goyaml-emit.ts. Needs `__maglev.codec`.
 */
export const GOYAML_SOURCE = String.raw`
(function (M) {
  'use strict';
  var C = M.codec;
  var PLAIN = 1, SINGLE = 2, DOUBLE = 3, LITERAL = 4, WIDTH = 80;

  // Characters yaml.v2 refuses to read when Go's JSON output holds them unescaped (toYaml then gives "").
  var UNREADABLE = /[\u007f-\u0084\u0086-\u009f\ufffe\uffff]/;
  // A raw NEL in Go's JSON output is a line break to yaml.v2 and gets folded like one.
  function foldNel(s) {
    return s.indexOf('\u0085') < 0 ? s : s.replace(/[ \t]*\u0085(?:[ \t]*\u0085)*[ \t]*/g, function (run) {
      var n = run.split('\u0085').length - 1;
      return n === 1 ? ' ' : '\n'.repeat(n - 1);
    });
  }
  // The value toYaml marshals: strings as yaml.v2 reads them back from JSON; null when unreadable.
  function yamlReadable(v) {
    if (typeof v === 'string') { if (UNREADABLE.test(v)) throw UNREADABLE; return foldNel(v); }
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map(yamlReadable);
    var out = Object.create(null), ks = Object.keys(v);
    for (var i = 0; i < ks.length; i++) { if (UNREADABLE.test(ks[i])) throw UNREADABLE; out[foldNel(ks[i])] = yamlReadable(v[ks[i]]); }
    return out;
  }

  // JSON data model of a value, as Go's json.Marshal would see it (toJSON honoured, undefined dropped).
  function normalize(v, seen) {
    if (v !== null && typeof v === 'object' && typeof v.toJSON === 'function') v = v.toJSON();
    if (v === null || v === undefined) return null;
    if (typeof v === 'number') {
      if (!isFinite(v)) throw new Error('cannot serialise ' + String(v));
      return v;
    }
    if (typeof v === 'boolean' || typeof v === 'string') return v;
    if (typeof v === 'bigint') return Number(v);
    if (typeof v !== 'object') return undefined;
    if (seen.indexOf(v) >= 0) throw new Error('cannot serialise a cyclic value');
    seen.push(v);
    var out;
    if (Array.isArray(v) || ArrayBuffer.isView(v)) {
      out = [];
      for (var i = 0; i < v.length; i++) { var x = normalize(v[i], seen); out.push(x === undefined ? null : x); }
    } else {
      out = Object.create(null);
      var keys = Object.keys(v);
      for (var k = 0; k < keys.length; k++) { var y = normalize(v[keys[k]], seen); if (y !== undefined) out[keys[k]] = y; }
    }
    seen.pop();
    return out;
  }

  // Go strconv.FormatFloat(f, 'g', -1, 64).
  function formatG(n) {
    if (n === 0) return Object.is(n, -0) ? '-0' : '0';
    var e = n.toExponential(), at = e.indexOf('e');
    var mant = e.slice(0, at), exp = Number(e.slice(at + 1));
    if (exp < -4 || exp >= 6) {
      var a = Math.abs(exp);
      return mant + 'e' + (exp < 0 ? '-' : '+') + (a < 10 ? '0' + a : String(a));
    }
    return String(n);
  }
  // A float64 after JSON encoding and yaml.v2 decoding: integers within int64/uint64 stay integers.
  function yamlNumber(n) {
    var t = String(n);
    if (/^-?[0-9]+$/.test(t)) {
      var b = BigInt(t);
      if (b >= -(BigInt(2) ** BigInt(63)) && b <= BigInt(2) ** BigInt(64) - BigInt(1)) return t;
    }
    return formatG(n);
  }

  var RESOLVE = {};
  ['y','Y','yes','Yes','YES','true','True','TRUE','on','On','ON','n','N','no','No','NO','false','False','FALSE',
   'off','Off','OFF','','~','null','Null','NULL','.nan','.NaN','.NAN','.inf','.Inf','.INF','+.inf','+.Inf','+.INF',
   '-.inf','-.Inf','-.INF','<<'].forEach(function (s) { RESOLVE[s] = true; });
  var GO_INT = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/;
  var YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
  var BASE60 = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
  var INDICATORS = '#,[]{}&*!|>\'"%@' + String.fromCharCode(96);
  var DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

  function validDate(y, mo, d) {
    if (mo < 1 || mo > 12 || d < 1) return false;
    var leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
    return d <= (mo === 2 && !leap ? 28 : DAYS[mo - 1]);
  }
  // yaml.v2 parseTimestamp: the four layouts it tries with Go's time.Parse.
  function isTimestamp(s) {
    var m = /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:([Tt ])([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:[.,][0-9]+)?(Z|[-+][0-9]{2}:[0-9]{2})?)?$/.exec(s);
    if (!m || !validDate(+m[1], +m[2], +m[3])) return false;
    if (m[4] === undefined) return true;
    if (m[4] === ' ' ? m[8] !== undefined : m[8] === undefined) return false;
    if (+m[5] > 23 || +m[6] > 59 || +m[7] > 59) return false;
    if (m[8] && m[8] !== 'Z' && (+m[8].slice(1, 3) > 24 || +m[8].slice(4) > 60)) return false;
    return true;
  }
  // True when yaml.v2 would read the plain scalar s as something other than a string.
  function resolvesNonString(s) {
    var c = s.charAt(0);
    var hint = s === '' ? 'N' : (c === '+' || c === '-') ? 'S' : (c >= '0' && c <= '9') ? 'D'
      : 'yYnNtTfFoO~'.indexOf(c) >= 0 ? 'M' : c === '.' ? '.' : '';
    if (hint === '') return false;
    if (RESOLVE[s] === true) return true;
    if (hint === '.') return /^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(s);
    if (hint !== 'D' && hint !== 'S') return false;
    if (isTimestamp(s)) return true;
    var plain = s.replace(/_/g, '');
    var m = GO_INT.exec(plain);
    if (m) {
      var body = m[2], digits = /^0[0-7]+$/.test(body) ? '0o' + body.slice(1) : body.toLowerCase();
      var v = BigInt(digits), two = BigInt(2);
      if (m[1] === '' ? v <= two ** BigInt(64) - BigInt(1) : v <= two ** BigInt(63) - BigInt(1) + (m[1] === '-' ? BigInt(1) : BigInt(0))) return true;
    }
    return YAML_FLOAT.test(plain);
  }

  function isLetter(c) {
    if (c < 128) return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    return /\p{L}/u.test(String.fromCodePoint(c));
  }
  function isDigit(c) {
    if (c < 128) return c >= 48 && c <= 57;
    return /\p{Nd}/u.test(String.fromCodePoint(c));
  }
  // yaml.v2 keyList.Less for string keys (a, b: arrays of code points).
  function keyLess(a, b) {
    for (var i = 0; i < a.length && i < b.length; i++) {
      if (a[i] === b[i]) continue;
      var al = isLetter(a[i]), bl = isLetter(b[i]);
      if (al && bl) return a[i] < b[i];
      if (al || bl) return bl;
      var an = 0, bn = 0, ai, bi;
      if (a[i] === 48 || b[i] === 48) {
        for (var j = i - 1; j >= 0 && isDigit(a[j]); j--) { if (a[j] !== 48) { an = 1; bn = 1; break; } }
      }
      for (ai = i; ai < a.length && isDigit(a[ai]); ai++) an = an * 10 + (a[ai] - 48);
      for (bi = i; bi < b.length && isDigit(b[bi]); bi++) bn = bn * 10 + (b[bi] - 48);
      if (an !== bn) return an < bn;
      if (ai !== bi) return ai < bi;
      return a[i] < b[i];
    }
    return a.length < b.length;
  }
  // The same order for keys without digits: at the first difference a non-letter sorts before a letter,
  // otherwise by code point.
  function plainKeyCompare(x, y) {
    for (var i = 0; i < x.length && i < y.length; i++) {
      var a = x.charCodeAt(i), b = y.charCodeAt(i);
      if (a === b) continue;
      var al = isLetter(a), bl = isLetter(b);
      if (al !== bl) return al ? 1 : -1;
      return a - b;
    }
    return x.length - y.length;
  }
  function sortedKeys(obj) {
    var keys = Object.keys(obj);
    if (keys.length < 2) return keys;
    if (keys.every(function (k) { return /^[\x20-\x2F\x3A-\x7E]*$/.test(k); })) return keys.sort(plainKeyCompare);
    var ks = keys.map(function (k) { return { k: k, cp: C.codePoints(k) }; });
    ks.sort(function (x, y) { return keyLess(x.cp, y.cp) ? -1 : keyLess(y.cp, x.cp) ? 1 : 0; });
    return ks.map(function (x) { return x.k; });
  }

  function isPrintable(c) { return c === 10 || (c >= 0x20 && c <= 0x7E) || (c >= 0xA0 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD && c !== 0xFEFF); }
  function isBreak(c) { return c === 10 || c === 13 || c === 0x85 || c === 0x2028 || c === 0x2029; }
  function isBlank(c) { return c === 32 || c === 9; }

  var ASCII = /^[\x20-\x7E\n]*$/;
  // yaml_emitter_analyze_scalar for printable ASCII and LF, with regular expressions (no per-character code).
  function analyzeAscii(s) {
    var r = { multiline: false, plain: true, single: true, block: true };
    var n = s.length;
    if (n === 0) { r.block = false; return r; }
    var first = s.charAt(0), last = s.charAt(n - 1);
    var ind = /^(?:---|\.\.\.)/.test(s) || INDICATORS.indexOf(first) >= 0 || /^[?:-](?: |$)/.test(s) ||
      /[\s\S]:(?: |$)/.test(s) || /[ \n]#/.test(s);
    var lines = s.indexOf('\n') >= 0;
    r.multiline = lines;
    if (first === ' ' || first === '\n' || last === ' ' || last === '\n') r.plain = false;
    if (last === ' ') r.block = false;
    if (s.indexOf('\n ') >= 0) { r.plain = false; r.single = false; }
    if (s.indexOf(' \n') >= 0) { r.plain = false; r.single = false; r.block = false; }
    if (lines || ind) r.plain = false;
    return r;
  }

  // libyaml yaml_emitter_analyze_scalar, block context only (s: the string, cps: its code points).
  function analyze(s, cps) {
    if (ASCII.test(s)) return analyzeAscii(s);
    var r = { multiline: false, plain: true, single: true, block: true };
    var n = cps.length;
    if (n === 0) { r.block = false; return r; }
    var ind = n >= 3 && ((cps[0] === 45 && cps[1] === 45 && cps[2] === 45) || (cps[0] === 46 && cps[1] === 46 && cps[2] === 46));
    var lines = false, special = false, lSpace = false, lBreak = false, tSpace = false, tBreak = false;
    var breakSpace = false, spaceBreak = false, precWs = true, prevSpace = false, prevBreak = false;
    for (var i = 0; i < n; i++) {
      var c = cps[i], follWs = i + 1 >= n || isBlank(cps[i + 1]);
      if (i === 0) {
        if (INDICATORS.indexOf(String.fromCodePoint(c)) >= 0) ind = true;
        else if ((c === 63 || c === 58 || c === 45) && follWs) ind = true;
      } else if ((c === 58 && follWs) || (c === 35 && precWs)) ind = true;
      if (!isPrintable(c)) special = true;
      if (c === 32) {
        if (i === 0) lSpace = true;
        if (i === n - 1) tSpace = true;
        if (prevBreak) breakSpace = true;
        prevSpace = true; prevBreak = false;
      } else if (isBreak(c)) {
        lines = true;
        if (i === 0) lBreak = true;
        if (i === n - 1) tBreak = true;
        if (prevSpace) spaceBreak = true;
        prevSpace = false; prevBreak = true;
      } else { prevSpace = false; prevBreak = false; }
      precWs = isBlank(c) || isBreak(c) || c === 0;
    }
    r.multiline = lines;
    if (lSpace || lBreak || tSpace || tBreak) r.plain = false;
    if (tSpace) r.block = false;
    if (breakSpace) { r.plain = false; r.single = false; }
    if (spaceBreak || special) { r.plain = false; r.single = false; r.block = false; }
    if (lines || ind) r.plain = false;
    return r;
  }

  M.yamlScalars = { normalize: normalize, yamlReadable: yamlReadable, UNREADABLE: UNREADABLE, yamlNumber: yamlNumber, resolvesNonString: resolvesNonString,
    isBase60: function (s) { return /^[-+0-9]/.test(s) && s.indexOf(':') >= 0 && BASE60.test(s); },
    sortedKeys: sortedKeys, analyze: analyze, ASCII: ASCII, isPrintable: isPrintable, isBreak: isBreak, PLAIN: PLAIN,
    SINGLE: SINGLE, DOUBLE: DOUBLE, LITERAL: LITERAL, WIDTH: WIDTH };
})(globalThis.__maglev);
`;
