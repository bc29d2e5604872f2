/**
 * In-sandbox source: the yaml.v2 block emitter behind `toYaml`, and Go's json.Marshal behind `toJson`.
 * Follows libyaml's emitter state for the JSON data model: indentation, indicator spacing, scalar styles
 * (plain, single, double, literal) and folding at 80 columns. Defines `__maglev.goyaml`.
 */
export const GOYAML_EMIT_SOURCE = String.raw`
(function (M) {
  'use strict';
  var C = M.codec, S = M.yamlScalars;
  var PLAIN = S.PLAIN, SINGLE = S.SINGLE, DOUBLE = S.DOUBLE, LITERAL = S.LITERAL, WIDTH = S.WIDTH;
  var ESC = { 0: '0', 7: 'a', 8: 'b', 9: 't', 10: 'n', 11: 'v', 12: 'f', 13: 'r', 27: 'e', 34: '"', 92: '\\',
    0x85: 'N', 0xA0: '_', 0x2028: 'L', 0x2029: 'P' };

  function Emitter() {
    this.out = []; this.column = 0; this.indent = -1; this.indents = [];
    this.whitespace = true; this.indention = true;
  }
  var E = Emitter.prototype;
  E.put = function (s) { this.out.push(s); this.column += 1; };
  E.write = function (c) { this.out.push(String.fromCodePoint(c)); this.column += 1; };
  E.putBreak = function () { this.out.push('\n'); this.column = 0; };
  E.writeBreak = function (c) { if (c === 10) this.putBreak(); else { this.out.push(String.fromCodePoint(c)); this.column = 0; } };
  E.writeIndent = function () {
    var ind = this.indent < 0 ? 0 : this.indent;
    if (!this.indention || this.column > ind || (this.column === ind && !this.whitespace)) this.putBreak();
    while (this.column < ind) this.put(' ');
    this.whitespace = true; this.indention = true;
  };
  E.indicator = function (s, needWs, isWs, isIndention) {
    if (needWs && !this.whitespace) this.put(' ');
    this.out.push(s); this.column += s.length;
    this.whitespace = isWs; this.indention = this.indention && isIndention;
  };
  E.increase = function (flow, indentless) {
    this.indents.push(this.indent);
    if (this.indent < 0) this.indent = flow ? 2 : 0;
    else if (!indentless) this.indent += 2;
  };
  E.pop = function () { this.indent = this.indents.pop(); };

  E.plain = function (cps, breaksOk) {
    if (!this.whitespace) this.put(' ');
    var spaces = false, breaks = false;
    for (var i = 0; i < cps.length; i++) {
      var c = cps[i];
      if (c === 32) {
        if (breaksOk && !spaces && this.column > WIDTH && cps[i + 1] !== 32) this.writeIndent(); else this.write(c);
        spaces = true;
      } else if (S.isBreak(c)) {
        if (!breaks && c === 10) this.putBreak();
        this.writeBreak(c); this.indention = true; breaks = true;
      } else {
        if (breaks) this.writeIndent();
        this.write(c); this.indention = false; spaces = false; breaks = false;
      }
    }
    this.whitespace = false; this.indention = false;
  };
  E.single = function (cps, breaksOk) {
    this.indicator("'", true, false, false);
    var spaces = false, breaks = false, n = cps.length;
    for (var i = 0; i < n; i++) {
      var c = cps[i];
      if (c === 32) {
        if (breaksOk && !spaces && this.column > WIDTH && i > 0 && i < n - 1 && cps[i + 1] !== 32) this.writeIndent();
        else this.write(c);
        spaces = true;
      } else if (S.isBreak(c)) {
        if (!breaks && c === 10) this.putBreak();
        this.writeBreak(c); this.indention = true; breaks = true;
      } else {
        if (breaks) this.writeIndent();
        if (c === 39) this.put("'");
        this.write(c); this.indention = false; spaces = false; breaks = false;
      }
    }
    this.indicator("'", false, false, false);
    this.whitespace = false; this.indention = false;
  };
  E.double = function (cps, breaksOk) {
    this.indicator('"', true, false, false);
    var spaces = false, n = cps.length;
    for (var i = 0; i < n; i++) {
      var c = cps[i];
      if (!S.isPrintable(c) || S.isBreak(c) || c === 34 || c === 92) {
        this.put('\\');
        if (ESC[c] !== undefined) this.put(ESC[c]);
        else {
          var w = c <= 0xFF ? 2 : c <= 0xFFFF ? 4 : 8;
          this.put(w === 2 ? 'x' : w === 4 ? 'u' : 'U');
          var hex = c.toString(16).toUpperCase();
          while (hex.length < w) hex = '0' + hex;
          for (var k = 0; k < hex.length; k++) this.put(hex[k]);
        }
        spaces = false;
      } else if (c === 32) {
        if (breaksOk && !spaces && this.column > WIDTH && i > 0 && i < n - 1) {
          this.writeIndent();
          if (cps[i + 1] === 32) this.put('\\');
        } else this.write(c);
        spaces = true;
      } else { this.write(c); spaces = false; }
    }
    this.indicator('"', false, false, false);
    this.whitespace = false; this.indention = false;
  };
  E.literal = function (cps) {
    this.indicator('|', true, false, false);
    var n = cps.length;
    if (n > 0 && (cps[0] === 32 || S.isBreak(cps[0]))) this.indicator('2', false, false, false);
    var chomp = '';
    if (n === 0 || !S.isBreak(cps[n - 1])) chomp = '-';
    else if (n === 1 || S.isBreak(cps[n - 2])) chomp = '+';
    if (chomp !== '') this.indicator(chomp, false, false, false);
    this.putBreak();
    this.indention = true; this.whitespace = true;
    var breaks = true;
    for (var i = 0; i < n; i++) {
      var c = cps[i];
      if (S.isBreak(c)) { this.writeBreak(c); this.indention = true; breaks = true; }
      else { if (breaks) this.writeIndent(); this.write(c); this.indention = false; breaks = false; }
    }
  };

  // Whole-string writes for printable ASCII that cannot fold (the per-character writers give the same text).
  var SAFE_DOUBLE = /^[\x20\x21\x23-\x5B\x5D-\x7E]*$/;
  E.fits = function (len, s) { return s.indexOf(' ') < 0 || this.column + len <= WIDTH + 1; };
  E.fast = function (s, style, breaksOk) {
    var lead = this.whitespace ? 0 : 1;
    if (style === PLAIN) {
      if (breaksOk && !this.fits(lead + s.length, s)) return false;
      if (lead) this.put(' ');
      this.out.push(s); this.column += s.length;
    } else if (style === SINGLE) {
      var q = s.split("'").join("''");
      if (s.indexOf('\n') >= 0 || (breaksOk && !this.fits(lead + 1 + q.length, s))) return false;
      this.indicator("'" + q + "'", true, false, false);
    } else if (style === DOUBLE) {
      if (!SAFE_DOUBLE.test(s) || (breaksOk && !this.fits(lead + 1 + s.length, s))) return false;
      this.indicator('"' + s + '"', true, false, false);
    } else {
      this.literalAscii(s);
      return true;
    }
    this.whitespace = false; this.indention = false;
    return true;
  };
  E.literalAscii = function (s) {
    this.indicator('|', true, false, false);
    if (s.charAt(0) === ' ' || s.charAt(0) === '\n') this.indicator('2', false, false, false);
    var n = s.length, chomp = '';
    if (n === 0 || s.charAt(n - 1) !== '\n') chomp = '-';
    else if (n === 1 || s.charAt(n - 2) === '\n') chomp = '+';
    if (chomp !== '') this.indicator(chomp, false, false, false);
    var pad = ' '.repeat(this.indent < 0 ? 0 : this.indent), lines = s.split('\n'), last = lines[lines.length - 1];
    this.out.push('\n' + lines.map(function (l) { return l === '' ? '' : pad + l; }).join('\n'));
    this.column = last === '' ? 0 : pad.length + last.length;
    this.indention = last === '';
    this.whitespace = true;
  };

  // One scalar event: requested style, then libyaml's style selection for the context.
  E.scalar = function (text, style, simpleKey) {
    var ascii = S.ASCII.test(text), cps = ascii ? null : C.codePoints(text), a = S.analyze(text, cps);
    if (simpleKey && a.multiline) style = DOUBLE;
    if (style === PLAIN && (!a.plain || (text.length === 0 && simpleKey))) style = SINGLE;
    if (style === SINGLE && !a.single) style = DOUBLE;
    if (style === LITERAL && (!a.block || simpleKey)) style = DOUBLE;
    this.increase(true, false);
    if (!ascii || !this.fast(text, style, !simpleKey)) {
      if (cps === null) cps = C.codePoints(text);
      if (style === PLAIN) this.plain(cps, !simpleKey);
      else if (style === SINGLE) this.single(cps, !simpleKey);
      else if (style === DOUBLE) this.double(cps, !simpleKey);
      else this.literal(cps);
    }
    this.pop();
  };
  E.string = function (s, simpleKey) {
    var style = s.indexOf('\n') >= 0 ? LITERAL : (S.resolvesNonString(s) || S.isBase60(s)) ? DOUBLE : PLAIN;
    this.scalar(s, style, simpleKey);
  };
  E.node = function (v, inMapping) {
    if (v === null) return this.scalar('null', PLAIN, false);
    if (typeof v === 'boolean') return this.scalar(v ? 'true' : 'false', PLAIN, false);
    if (typeof v === 'number') return this.scalar(S.yamlNumber(v), PLAIN, false);
    if (typeof v === 'string') return this.string(v, false);
    var isList = Array.isArray(v), keys = isList ? null : S.sortedKeys(v);
    if ((isList ? v.length : keys.length) === 0) {
      this.indicator(isList ? '[' : '{', true, true, false);
      this.indicator(isList ? ']' : '}', false, false, false);
      return;
    }
    if (isList) {
      this.increase(false, inMapping && !this.indention);
      for (var i = 0; i < v.length; i++) {
        this.writeIndent();
        this.indicator('-', true, false, true);
        this.node(v[i], false);
      }
      this.pop();
      return;
    }
    this.increase(false, false);
    for (var k = 0; k < keys.length; k++) {
      var key = keys[k], ascii = S.ASCII.test(key);
      this.writeIndent();
      var multiline = ascii ? key.indexOf('\n') >= 0 : S.analyze(key, C.codePoints(key)).multiline;
      if (!multiline && (ascii ? key.length : C.utf8Encode(key).length) <= 128) {
        this.string(key, true);
        this.indicator(':', false, false, false);
      } else {
        this.indicator('?', true, false, true);
        this.string(key, false);
        this.writeIndent();
        this.indicator(':', true, false, true);
      }
      this.node(v[key], true);
    }
    this.pop();
  };

  // Helm toYaml: sigs.k8s.io/yaml Marshal with the trailing newline removed.
  function toYaml(v) {
    var data;
    try { data = S.yamlReadable(S.normalize(v, [])); } catch (err) { if (err === S.UNREADABLE) return ''; throw err; }
    var e = new Emitter();
    e.node(data, false);
    e.writeIndent();
    var s = e.out.join('');
    return s.endsWith('\n') ? s.slice(0, -1) : s;
  }

  function jsonString(s) {
    var cps = C.codePoints(s), out = ['"'];
    for (var i = 0; i < cps.length; i++) {
      var c = cps[i];
      if (c === 34) out.push('\\"');
      else if (c === 92) out.push('\\\\');
      else if (c === 8) out.push('\\b');
      else if (c === 12) out.push('\\f');
      else if (c === 10) out.push('\\n');
      else if (c === 13) out.push('\\r');
      else if (c === 9) out.push('\\t');
      else if (c < 0x20 || c === 60 || c === 62 || c === 38 || c === 0x2028 || c === 0x2029) {
        out.push('\\u' + ('0000' + c.toString(16)).slice(-4));
      } else out.push(String.fromCodePoint(c));
    }
    out.push('"');
    return out.join('');
  }
  function byteOrder(a, b) {
    var x = C.codePoints(a), y = C.codePoints(b);
    for (var i = 0; i < x.length && i < y.length; i++) if (x[i] !== y[i]) return x[i] - y[i];
    return x.length - y.length;
  }
  function json(v) {
    if (v === null) return 'null';
    if (typeof v === 'boolean' || typeof v === 'number') return String(v);
    if (typeof v === 'string') return jsonString(v);
    if (Array.isArray(v)) return '[' + v.map(json).join(',') + ']';
    return '{' + Object.keys(v).sort(byteOrder).map(function (k) { return jsonString(k) + ':' + json(v[k]); }).join(',') + '}';
  }
  // Helm toJson: Go json.Marshal (keys sorted, HTML-safe escapes).
  function toJson(v) { return json(S.normalize(v, [])); }

  M.goyaml = { toYaml: toYaml, toJson: toJson };
})(globalThis.__maglev);
`;
