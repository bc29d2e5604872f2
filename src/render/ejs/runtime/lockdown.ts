/**
 * In-sandbox source, evaluated last: hardens a render context so it can be reused for later renders (in
 * the same namespace) without template code leaving anything behind. Removes what templates never need and
 * what could run code outside a render (FinalizationRegistry, WeakRef, SharedArrayBuffer/Atomics,
 * RegExp.prototype.compile), freezes every object reachable from the global object (built-ins and the
 * runtime; RegExp instances keep their writable lastIndex), and records the global object's properties so
 * `__maglev.tainted()` can tell the host whether a render changed them (the host then drops the context).
 */
export const LOCKDOWN_SOURCE = String.raw`
(function (M, G) {
  'use strict';
  var ownKeys = Reflect.ownKeys, describe = Object.getOwnPropertyDescriptor, freeze = Object.freeze, same = Object.is;
  var protoOf = Object.getPrototypeOf, tag = Object.prototype.toString;
  function isRegExp(o) { return tag.call(o) === '[object RegExp]' && o !== RegExp.prototype; }
  ['FinalizationRegistry', 'WeakRef', 'SharedArrayBuffer', 'Atomics', 'console'].forEach(function (k) { delete G[k]; });
  delete RegExp.prototype.compile;

  var hardened = new WeakSet();
  function harden(root) {
    var stack = [root];
    while (stack.length > 0) {
      var o = stack.pop();
      if ((typeof o !== 'object' && typeof o !== 'function') || o === null || o === G || hardened.has(o)) continue;
      hardened.add(o);
      if (!isRegExp(o)) freeze(o);
      stack.push(protoOf(o));
      var ks = ownKeys(o);
      for (var i = 0; i < ks.length; i++) {
        var d = describe(o, ks[i]);
        if (d === undefined) continue;
        if ('value' in d) stack.push(d.value);
        else stack.push(d.get, d.set);
      }
    }
    return root;
  }
  M.harden = harden;

  var TRANSIENT = /^__maglev(Input|Current|T[0-9]+)$/;
  function transient(k) { return typeof k === 'string' && TRANSIENT.test(k); }
  var baseline = new Map();
  // True when the global object differs from its state after lockdown (a property added, removed or changed).
  M.tainted = function () {
    var seen = 0, ks = ownKeys(G);
    for (var i = 0; i < ks.length; i++) {
      var k = ks[i];
      if (transient(k)) continue;
      var b = baseline.get(k), d = describe(G, k);
      if (b === undefined || d === undefined || !same(d.value, b.value) || d.get !== b.get || d.set !== b.set) return true;
      seen++;
    }
    return seen !== baseline.size;
  };

  ownKeys(G).forEach(function (k) {
    if (transient(k)) return;
    var d = describe(G, k);
    if (d === undefined) return;
    harden(d.value);
    harden(d.get);
    harden(d.set);
  });
  harden(protoOf(G));
  ownKeys(G).forEach(function (k) { if (!transient(k)) baseline.set(k, describe(G, k)); });
})(globalThis.__maglev, globalThis);
`;
