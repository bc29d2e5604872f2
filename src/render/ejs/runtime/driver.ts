/**
 * In-sandbox source: the render driver. Reads the job (a JSON string the host put in
 * `__maglevInput`), builds each chart's scope (Values, Release, Chart, Capabilities, Files, Template and
 * helpers), runs the precompiled template functions (`__maglevT<n>` globals), and returns a JSON string.
 * Template errors come back as `{file, line, message}`; nothing from here ever reaches the host as an object.
 */
export const DRIVER_SOURCE = String.raw`
(function (M, G) {
  'use strict';
  var C = M.codec, H = M.helpers, MARK = Symbol('maglev.located');
  var MAX_DEPTH = 100;

  function messageOf(e) {
    try {
      if (e instanceof Error) return (e.name && e.name !== 'Error' ? e.name + ': ' : '') + String(e.message);
      return 'threw ' + String(e);
    } catch (x) { return 'threw a value that cannot be printed'; }
  }
  function located(file, line, message) { var e = new Error(message); e[MARK] = { file: file, line: line, message: message }; return e; }
  function rethrow(err, _lines, file, line) { if (err && err[MARK]) throw err; throw located(file, line, messageOf(err)); }
  function escapeFn(s) { return s === undefined || s === null ? '' : String(s); }
  function copy(from, to) { var ks = Object.keys(from); for (var i = 0; i < ks.length; i++) to[ks[i]] = from[ks[i]]; return to; }
  function escapeRe(s) { return s.replace(/[.*+?^$()|[\]{}\\/]/g, '\\$&'); }

  // gobwas/glob with '/' as separator, as Helm's Files.Glob uses it.
  function globRe(pattern) {
    var s = String(pattern), re = '^', i = 0;
    while (i < s.length) {
      var c = s[i];
      if (c === '*') { if (s[i + 1] === '*') { re += '.*'; i += 2; continue; } re += '[^/]*'; }
      else if (c === '?') re += '[^/]';
      else if (c === '[' && s.indexOf(']', i + 2) > 0) {
        var j = s.indexOf(']', i + 2), body = s.slice(i + 1, j), neg = body[0] === '!';
        re += '[' + (neg ? '^' : '') + (neg ? body.slice(1) : body).replace(/\\/g, '\\\\') + ']';
        i = j + 1; continue;
      } else if (c === '{' && s.indexOf('}', i) > 0) {
        var k = s.indexOf('}', i);
        re += '(?:' + s.slice(i + 1, k).split(',').map(escapeRe).join('|') + ')';
        i = k + 1; continue;
      } else if (c === '\\' && i + 1 < s.length) { re += escapeRe(s[i + 1]); i += 2; continue; }
      else re += escapeRe(c);
      i++;
    }
    return new RegExp(re + '$');
  }
  function makeFiles(b64) {
    var cache = Object.create(null), names = Object.keys(b64).sort();
    function bytes(p) { return Object.prototype.hasOwnProperty.call(b64, p) ? C.b64decode(b64[p]) : null; }
    function get(p) {
      p = String(p);
      if (cache[p] === undefined) { var b = bytes(p); cache[p] = b === null ? '' : C.utf8Decode(b); }
      return cache[p];
    }
    return Object.freeze({
      get: get,
      getBytes: function (p) { var b = bytes(String(p)); return b === null ? new Uint8Array(0) : b; },
      glob: function (pattern) {
        var re = globRe(pattern), out = {};
        names.forEach(function (n) { if (re.test(n)) out[n] = get(n); });
        return out;
      },
      lines: function (p) {
        var s = get(p);
        if (s === '') return [];
        if (s.endsWith('\n')) s = s.slice(0, -1);
        return s.split('\n');
      },
    });
  }

  var ejs = M.ejs, wrap = M.wrapTemplate, SCOPE = M.SCOPE_NAMES, compiled = new Map();
  var IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/, RESERVED = /^(?:break|case|catch|class|const|continue|debugger|default|delete|do|else|enum|export|extends|false|finally|for|function|if|implements|import|in|instanceof|interface|let|new|null|package|private|protected|public|return|static|super|switch|this|throw|true|try|typeof|var|void|while|with|yield|await|arguments|eval|locals|escapeFn|rethrow)$/;
  // A template's locals: the standard scope in fixed-shape fields (copied from the caller), then extras.
  var Scope = new Function('p', SCOPE.map(function (n) { return 'this.' + n + ' = p.' + n + ';'; }).join('\n'));
  M.Scope = Scope; // reachable from the global object, so the lockdown freezes it (and its prototype)
  function bindable(k) { return SCOPE.indexOf(k) < 0 && IDENT.test(k) && !RESERVED.test(k); }

  // Compiles template text inside the sandbox (tpl strings, includes with extra locals), cached per context.
  function compile(text, filename, max, extra) {
    var key = filename + '\u0000' + max + '\u0000' + extra.join(',') + '\u0000' + text, fn = compiled.get(key);
    if (fn === undefined) {
      var t = new ejs.Template(text, { filename: filename, compileDebug: true });
      t.generateSource();
      fn = M.harden(new Function('return ' + wrap(t.source, filename, max, SCOPE.concat(extra)))());
      if (compiled.size >= 500) compiled.clear();
      compiled.set(key, fn);
    }
    return fn;
  }

  // Helm's lookup over the answers the host sent (job.lookups, by JSON [apiVersion, kind, namespace, name]).
  // Each call gets its own copy, made here, so nothing of one call's answer is shared with another. A call
  // without an answer returns an empty map and is recorded in missing (once), for the host to fetch.
  function makeLookup(job, missing) {
    var answers = job.lookups, asked = Object.create(null);
    return function lookup(apiVersion, kind, namespace, name) {
      var req = [apiVersion, kind, namespace, name].map(function (v) { return v === undefined || v === null ? '' : String(v); });
      if (answers === undefined || answers === null) return {};
      var key = JSON.stringify(req);
      if (Object.prototype.hasOwnProperty.call(answers, key)) {
        var a = answers[key];
        return a === null || typeof a !== 'object' ? {} : JSON.parse(JSON.stringify(a));
      }
      if (asked[key] !== true) { asked[key] = true; missing.push({ apiVersion: req[0], kind: req[1], namespace: req[2], name: req[3] }); }
      return {};
    };
  }

  function Renderer(job, ch, fns, budget, lookup) {
    this.job = job; this.ch = ch; this.fns = fns; this.budget = budget; this.texts = Object.create(null);
    this.paths = Object.create(null);
    for (var i = 0; i < ch.templates.length; i++) this.texts[ch.templates[i].path] = ch.templates[i].text;
    var apis = Object.create(null);
    job.capabilities.apiVersions.forEach(function (v) { apis[v] = true; });
    var base = copy(H, {});
    base.Values = ch.values; base.Release = job.release; base.Chart = ch.chart; base.Files = makeFiles(ch.files);
    base.lookup = lookup;
    base.Capabilities = { KubeVersion: job.capabilities.kubeVersion, APIVersions: Object.freeze({
      has: function (v) { return apis[String(v)] === true; }, list: job.capabilities.apiVersions.slice() }) };
    this.base = base;
  }
  var R = Renderer.prototype;
  M.Renderer = Renderer;
  R.rel = function (path) { return this.ch.rel + path; };
  // Runs a template with locals copied from the caller's (or the chart scope) plus extra; extras lists the
  // non-standard names the caller had, so they stay visible as variables in nested includes.
  R.run = function (path, parent, extras, extra, depth) {
    var self = this, locals = new Scope(parent || this.base), names = extras;
    for (var i = 0; i < extras.length; i++) locals[extras[i]] = parent[extras[i]];
    if (extra !== undefined && extra !== null) {
      var ks = Object.keys(extra);
      for (var j = 0; j < ks.length; j++) {
        locals[ks[j]] = extra[ks[j]];
        if (bindable(ks[j]) && names.indexOf(ks[j]) < 0) names = names.concat([ks[j]]);
      }
    }
    if (!parent) locals.Template = { Name: this.ch.name + '/' + path.replace(/\.ejs$/, ''), BasePath: this.ch.name + '/templates' };
    locals.include = function (p, x) { return self.include(p, locals, names, x, depth + 1); };
    locals.tpl = function (text, x) { return self.tpl(text, locals, names, x, depth + 1, path); };
    var fn = names.length === 0 ? this.fns[path] : compile(this.texts[path], this.rel(path), this.job.maxOutput, names.slice().sort());
    return fn(locals, escapeFn, locals.include, rethrow);
  };
  R.resolve = function (p) {
    var key = String(p), path = this.paths[key];
    if (path !== undefined) return path;
    var norm = key.replace(/^(\.\/)+/, '').replace(/^templates\//, '');
    if (norm === '' || norm.charAt(0) === '/' || norm.split('/').indexOf('..') >= 0) throw new Error('include: invalid path ' + JSON.stringify(p));
    path = 'templates/' + norm;
    if (this.fns[path] === undefined && this.fns[path + '.ejs'] !== undefined) path += '.ejs';
    if (this.fns[path] === undefined) throw new Error('include: no template ' + JSON.stringify(p) + ' in ' + this.ch.name + '/templates');
    this.paths[key] = path;
    return path;
  };
  R.include = function (p, locals, extras, extra, depth) {
    if (depth > MAX_DEPTH) throw new Error('include nested deeper than ' + MAX_DEPTH + ' levels');
    var out = this.run(this.resolve(p), locals, extras, extra, depth), end = out.length;
    while (end > 0 && out.charCodeAt(end - 1) === 10) end--;
    return end === out.length ? out : out.slice(0, end);
  };
  R.tpl = function (text, locals, extras, extra, depth, path) {
    if (depth > MAX_DEPTH) throw new Error('tpl nested deeper than ' + MAX_DEPTH + ' levels');
    var self = this, l = new Scope(locals), names = extras;
    for (var i = 0; i < extras.length; i++) l[extras[i]] = locals[extras[i]];
    if (extra !== undefined && extra !== null) {
      var ks = Object.keys(extra);
      for (var j = 0; j < ks.length; j++) {
        l[ks[j]] = extra[ks[j]];
        if (bindable(ks[j]) && names.indexOf(ks[j]) < 0) names = names.concat([ks[j]]);
      }
    }
    l.include = function (p, x) { return self.include(p, l, names, x, depth + 1); };
    l.tpl = function (t, x) { return self.tpl(t, l, names, x, depth + 1, path); };
    var fn = compile(String(text), 'tpl in ' + this.rel(path), this.job.maxOutput, names.slice().sort());
    return fn(l, escapeFn, l.include, rethrow);
  };
  R.render = function () {
    var out = [], notes = null, ch = this.ch;
    for (var i = 0; i < ch.templates.length; i++) {
      var path = ch.templates[i].path, base = path.slice(path.lastIndexOf('/') + 1);
      if (base.charAt(0) === '_') continue;
      G.__maglevCurrent = this.rel(path);
      var text = this.run(path, null, [], null, 0);
      this.budget.left -= text.length;
      if (this.budget.left < 0) throw located(this.rel(path), 0, 'rendered output exceeds ' + this.job.maxOutput + ' characters');
      if (path === 'templates/NOTES.txt.ejs') { if (ch.notes) notes = text; continue; }
      out.push({ source: ch.name + '/' + path.replace(/\.ejs$/, ''), text: text });
    }
    return { outputs: out, notes: notes };
  };

  G.__maglevRender = function () {
    var input = G.__maglevInput, fns = [];
    delete G.__maglevInput;
    M.resetRandom();
    var job = JSON.parse(input), budget = { left: job.maxOutput }, missing = [], lookup = makeLookup(job, missing);
    job.charts.forEach(function (ch, c) {
      fns[c] = Object.create(null);
      ch.templates.forEach(function (t) { fns[c][t.path] = G['__maglevT' + t.fn]; delete G['__maglevT' + t.fn]; });
    });
    try {
      var charts = job.charts.map(function (ch, c) { return new Renderer(job, ch, fns[c], budget, lookup).render(); });
      return JSON.stringify({ ok: true, charts: charts, missing: missing, tainted: M.tainted() });
    } catch (e) {
      var loc = e && e[MARK];
      var err = loc ? loc : { file: String(G.__maglevCurrent || ''), line: 0, message: messageOf(e) };
      return JSON.stringify({ ok: false, error: { file: String(err.file), line: Number(err.line) || 0, message: String(err.message) } });
    }
  };
})(globalThis.__maglev, globalThis);
`;
