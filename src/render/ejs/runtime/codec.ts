/**
 * In-sandbox source: UTF-8, base64 and SHA-256 in plain ECMAScript. The sandbox has no Buffer,
 * TextEncoder or crypto (no host objects), so the encodings helpers need are written out here.
 * Defines `__maglev.codec` inside the render context.
 */
export const CODEC_SOURCE = String.raw`
(function (M) {
  'use strict';
  function codePoints(s) {
    var out = [];
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i);
      if (c >= 0xD800 && c < 0xDC00 && i + 1 < s.length) {
        var d = s.charCodeAt(i + 1);
        if (d >= 0xDC00 && d < 0xE000) { out.push(0x10000 + ((c - 0xD800) << 10) + (d - 0xDC00)); i++; continue; }
      }
      if (c >= 0xD800 && c < 0xE000) c = 0xFFFD;
      out.push(c);
    }
    return out;
  }
  function fromCodePoints(cps) {
    var parts = [];
    for (var i = 0; i < cps.length; i += 4096) parts.push(String.fromCodePoint.apply(null, cps.slice(i, i + 4096)));
    return parts.join('');
  }
  function utf8Encode(s) {
    var cps = codePoints(s), out = [];
    for (var i = 0; i < cps.length; i++) {
      var c = cps[i];
      if (c < 0x80) out.push(c);
      else if (c < 0x800) out.push(0xC0 | (c >> 6), 0x80 | (c & 63));
      else if (c < 0x10000) out.push(0xE0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      else out.push(0xF0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
    return new Uint8Array(out);
  }
  function utf8Decode(b) {
    var cps = [], i = 0, n = b.length;
    while (i < n) {
      var c = b[i], need = 0, cp = 0, min = 0;
      if (c < 0x80) { cps.push(c); i++; continue; }
      if (c >= 0xC2 && c < 0xE0) { need = 1; cp = c & 0x1F; min = 0x80; }
      else if (c >= 0xE0 && c < 0xF0) { need = 2; cp = c & 0x0F; min = 0x800; }
      else if (c >= 0xF0 && c < 0xF5) { need = 3; cp = c & 0x07; min = 0x10000; }
      else { cps.push(0xFFFD); i++; continue; }
      var j = 1;
      for (; j <= need; j++) {
        var d = b[i + j];
        if (i + j >= n || (d & 0xC0) !== 0x80) break;
        cp = (cp << 6) | (d & 0x3F);
      }
      if (j <= need || cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000)) { cps.push(0xFFFD); i += 1; continue; }
      cps.push(cp); i += need + 1;
    }
    return fromCodePoints(cps);
  }
  var B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  function b64encode(b) {
    var out = [];
    for (var i = 0; i < b.length; i += 3) {
      var n = (b[i] << 16) | ((i + 1 < b.length ? b[i + 1] : 0) << 8) | (i + 2 < b.length ? b[i + 2] : 0);
      out.push(B64[(n >> 18) & 63], B64[(n >> 12) & 63], i + 1 < b.length ? B64[(n >> 6) & 63] : '=', i + 2 < b.length ? B64[n & 63] : '=');
    }
    return out.join('');
  }
  function b64decode(s) {
    s = String(s).replace(/[\r\n]/g, '');
    if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) throw new Error('illegal base64 data');
    var pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
    var out = new Uint8Array((s.length / 4) * 3 - pad), o = 0;
    for (var i = 0; i < s.length; i += 4) {
      var n = 0;
      for (var k = 0; k < 4; k++) n = (n << 6) | (s[i + k] === '=' ? 0 : B64.indexOf(s[i + k]));
      if (o < out.length) out[o++] = (n >> 16) & 255;
      if (o < out.length) out[o++] = (n >> 8) & 255;
      if (o < out.length) out[o++] = n & 255;
    }
    return out;
  }
  var K = [0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2];
  function sha256hex(b) {
    var h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    var len = b.length, total = ((len + 9 + 63) >> 6) << 6, m = new Uint8Array(total);
    m.set(b); m[len] = 0x80;
    var bits = len * 8;
    for (var i = 0; i < 8; i++) m[total - 1 - i] = i < 4 ? (bits >>> (8 * i)) & 255 : Math.floor(bits / Math.pow(2, 8 * i)) & 255;
    var w = new Array(64);
    for (var off = 0; off < total; off += 64) {
      for (var t = 0; t < 16; t++) w[t] = (m[off + 4 * t] << 24) | (m[off + 4 * t + 1] << 16) | (m[off + 4 * t + 2] << 8) | m[off + 4 * t + 3];
      for (t = 16; t < 64; t++) {
        var x = w[t - 15], y = w[t - 2];
        var s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
        var s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
        w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
      }
      var a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
      for (t = 0; t < 64; t++) {
        var S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        var t1 = (hh + S1 + ((e & f) ^ (~e & g)) + K[t] + w[t]) | 0;
        var S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        var t2 = (S0 + ((a & bb) ^ (a & c) ^ (bb & c))) | 0;
        hh = g; g = f; f = e; e = (d + t1) | 0; d = c; c = bb; bb = a; a = (t1 + t2) | 0;
      }
      h[0] = (h[0] + a) | 0; h[1] = (h[1] + bb) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
      h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + hh) | 0;
    }
    return h.map(function (v) { return ('00000000' + (v >>> 0).toString(16)).slice(-8); }).join('');
  }
  M.codec = { codePoints: codePoints, fromCodePoints: fromCodePoints, utf8Encode: utf8Encode, utf8Decode: utf8Decode,
    b64encode: b64encode, b64decode: b64decode, sha256hex: sha256hex };
})(globalThis.__maglev);
`;
