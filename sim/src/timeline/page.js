window.onerror = function (msg, src, line) {
  document.getElementById('errors').textContent += 'script error: ' + msg + ' at line ' + line + '\n';
};
(function () {
  'use strict';
  var d = JSON.parse(document.getElementById('data').textContent);
  var ARROWS_MAX = 3000, LEFT = 118, RIGHT = 12, AXIS = 24, STRIP_ROW = 18;
  // One strip row per Raft cluster (a sharded run has the controller and each group).
  var STRIP_ROWS = Math.max(1, d.clusters.length), STRIP = STRIP_ROW * STRIP_ROWS;
  var HEIGHT = {server: 60, client: 22, node: 34};
  var ROLE = ['#d5dde8', '#f2c063', '#58b368', '#555555', '#eef2f6'];
  var ROLE_NAME = ['follower', 'candidate', 'leader', 'down', 'up'];
  var PALETTE = ['#1f6fb2', '#8e44ad', '#16a085', '#d35400', '#2c3e50', '#7f8c2d', '#c0392b', '#b7950b'];
  var canvas = document.getElementById('view'), ctx = canvas.getContext('2d');
  var tip = document.getElementById('tip'), report = document.getElementById('report');
  var hidden = {}, hideHeartbeats = false;
  var view = {from: 0, to: Math.max(d.end, 1)};
  var cursor = null, hits = [];

  // Lanes, top to bottom.
  var lanes = [], y = AXIS + STRIP + 4;
  d.lanes.forEach(function (l) {
    var h = HEIGHT[l[1]] || HEIGHT.node;
    lanes.push({name: l[0], kind: l[1], top: y, height: h});
    y += h;
  });
  var totalHeight = y + 22;
  var maxIndex = 1;
  d.series.forEach(function (s) { s.forEach(function (p) { if (p[2] > maxIndex) maxIndex = p[2]; }); });
  var bandsOf = lanes.map(function () { return []; });
  d.bands.forEach(function (b) { bandsOf[b[0]].push(b); });
  // The lanes whose clock is not the identity: [true, local] points (absent on true time).
  var localsOf = {};
  (d.locals || []).forEach(function (e) { localsOf[e[0]] = e[1]; });
  // Lane l's local time at true time t, said from its last point at or before t ('~':
  // not at a point, so the drift since is not shown); '' for a lane on true time.
  function localAt(l, t) {
    var points = localsOf[l];
    if (!points) return '';
    var k = lower(points, function (p) { return p[0]; }, t + 1) - 1;
    if (k < 0) return '';
    return '\nlocal time ' + (points[k][0] === t ? '' : '~') + secs(points[k][1] + (t - points[k][0]));
  }

  function width() { return canvas.clientWidth || 800; }
  function x(t) { return LEFT + (t - view.from) / (view.to - view.from) * (width() - LEFT - RIGHT); }
  function timeAt(px) { return view.from + (px - LEFT) / (width() - LEFT - RIGHT) * (view.to - view.from); }
  function mid(l) { var lane = lanes[l]; return lane.kind === 'server' ? lane.top + 9 : lane.top + lane.height / 2; }
  function secs(t) { return (t / 1e9).toFixed(6) + 's'; }
  function visible(a, b) { return b >= view.from && a <= view.to; }
  function shown(m) { return !hidden[m[4]] && !(hideHeartbeats && (m[5] & 8)); }
  function colorOf(k) { return PALETTE[k % PALETTE.length]; }
  // The first index of sorted `list` whose `key` is at least `v`.
  function lower(list, key, v) {
    var lo = 0, hi = list.length;
    while (lo < hi) { var m = (lo + hi) >> 1; if (key(list[m]) < v) lo = m + 1; else hi = m; }
    return lo;
  }

  function resize() {
    var ratio = window.devicePixelRatio || 1;
    canvas.style.width = '100%';
    canvas.style.height = totalHeight + 'px';
    canvas.width = Math.floor(width() * ratio);
    canvas.height = Math.floor(totalHeight * ratio);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  }

  function ticks() {
    var span = view.to - view.from, step = 1;
    while (step * 10 < span) step *= 10;
    if (span / step < 3) step /= 5; else if (span / step < 6) step /= 2;
    step = Math.max(1, Math.round(step));
    var digits = Math.max(0, Math.min(9, Math.ceil(-Math.log10(step / 1e9))));
    ctx.fillStyle = '#444'; ctx.strokeStyle = '#e3e3e3'; ctx.font = '10px monospace';
    for (var t = Math.ceil(view.from / step) * step; t <= view.to; t += step) {
      var px = x(t);
      ctx.beginPath(); ctx.moveTo(px, AXIS - 4); ctx.lineTo(px, totalHeight); ctx.stroke();
      ctx.fillText((t / 1e9).toFixed(digits) + 's', px + 2, 12);
    }
  }

  function drawUnreliable() {
    d.unreliable.forEach(function (u) {
      if (!visible(u[0], u[1])) return;
      var a = Math.max(LEFT, x(u[0])), b = Math.min(width() - RIGHT, x(u[1]));
      ctx.fillStyle = 'rgba(240,200,40,0.10)'; ctx.fillRect(a, AXIS, b - a, totalHeight - AXIS);
      ctx.fillStyle = 'rgba(240,200,40,0.8)'; ctx.fillRect(a, AXIS - 5, b - a, 4);
    });
  }

  function drawLanes() {
    ctx.font = '11px monospace';
    lanes.forEach(function (lane, l) {
      ctx.fillStyle = l % 2 ? '#fbfbfb' : '#ffffff';
      ctx.fillRect(0, lane.top, width(), lane.height);
    });
    d.shades.forEach(function (s) {
      if (!visible(s[1], s[2])) return;
      var lane = lanes[s[0]], a = Math.max(LEFT, x(s[1])), b = Math.min(width() - RIGHT, x(s[2]));
      ctx.fillStyle = 'rgba(220,40,40,' + (0.08 + 0.22 * s[3] / 1000) + ')';
      ctx.fillRect(a, lane.top, b - a, lane.height);
      hits.push({box: [a, lane.top, b, lane.top + lane.height], weight: 1, text: function () {
        return s[4] + '\n' + secs(s[1]) + ' .. ' + secs(s[2]);
      }});
    });
  }

  function drawBands() {
    ctx.font = '10px monospace';
    d.bands.forEach(function (b) {
      if (!visible(b[1], b[2])) return;
      var lane = lanes[b[0]], a = Math.max(LEFT, x(b[1])), e = Math.min(width() - RIGHT, x(b[2]));
      var top = lane.top + 1, h = lane.kind === 'server' ? 16 : lane.height - 2;
      if (lane.kind !== 'server' && b[3] !== 3) return;
      ctx.fillStyle = ROLE[b[3]]; ctx.fillRect(a, top, Math.max(e - a, 1), h);
      if (lane.kind === 'server' && e - a > 26) {
        ctx.fillStyle = b[3] === 3 ? '#fff' : '#222';
        ctx.fillText('t' + b[4], a + 3, top + 12);
      }
      hits.push({box: [a, top, e, top + h], weight: 2, text: function () {
        return lanes[b[0]].name + ' ' + ROLE_NAME[b[3]] + (lane.kind === 'server' ? ' term ' + b[4] : '') + '\n' + secs(b[1]) + ' .. ' + secs(b[2]) + localAt(b[0], b[1]);
      }});
    });
  }

  function drawSeries() {
    d.series.forEach(function (points, l) {
      if (points.length === 0) return;
      var lane = lanes[l], base = lane.top + lane.height - 4, h = lane.height - 24;
      function py(v) { return base - v / maxIndex * h; }
      [[1, '#2e7d32', []], [2, '#1f6fb2', [4, 3]]].forEach(function (spec) {
        ctx.strokeStyle = spec[1]; ctx.setLineDash(spec[2]); ctx.lineWidth = 1.2; ctx.beginPath();
        var start = Math.max(0, lower(points, function (p) { return p[0]; }, view.from) - 1), started = false;
        for (var k = start; k < points.length && points[k][0] <= view.to; k++) {
          var px = Math.max(LEFT, x(points[k][0])), v = py(points[k][spec[0]]);
          if (!started) { ctx.moveTo(px, v); started = true; } else ctx.lineTo(px, v);
          var next = k + 1 < points.length ? Math.min(x(points[k + 1][0]), width() - RIGHT) : Math.min(x(d.end), width() - RIGHT);
          ctx.lineTo(next, v);
        }
        ctx.stroke();
      });
      ctx.setLineDash([]); ctx.lineWidth = 1;
      hits.push({box: [LEFT, lane.top + 18, width() - RIGHT, lane.top + lane.height], weight: 3, text: function (mx) {
        var t = timeAt(mx), k = lower(points, function (p) { return p[0]; }, t + 1) - 1;
        if (k < 0) return lanes[l].name + ': no index yet';
        return lanes[l].name + ' at ' + secs(t) + ': commit ' + points[k][1] + ', last index ' + points[k][2] + localAt(l, Math.round(t));
      }});
    });
  }

  function drawOps() {
    ctx.font = '10px monospace';
    d.ops.forEach(function (o, i) {
      var ret = o[2] < 0 ? d.end : o[2];
      if (!visible(o[1], ret)) return;
      var lane = lanes[o[0]], a = Math.max(LEFT, x(o[1])), e = Math.min(width() - RIGHT, x(ret));
      var bad = d.failure && d.failure.op === i;
      ctx.fillStyle = bad ? '#f6c4c4' : '#dde8f5'; ctx.strokeStyle = bad ? '#c0392b' : '#6a8bb5';
      ctx.lineWidth = bad ? 2 : 1;
      ctx.fillRect(a, lane.top + 3, Math.max(e - a, 2), lane.height - 6);
      ctx.strokeRect(a, lane.top + 3, Math.max(e - a, 2), lane.height - 6);
      ctx.lineWidth = 1;
      var room = Math.floor((e - a - 4) / 6);
      if (room > 3) {
        ctx.fillStyle = '#222';
        ctx.fillText(o[3].length > room ? o[3].slice(0, room - 1) + '…' : o[3], a + 2, lane.top + 14);
      }
      hits.push({box: [a, lane.top + 3, e, lane.top + lane.height - 3], weight: 5, text: function () {
        return (bad ? 'the checker\'s first illegal operation\n' : '') + o[3] + '\ncalled ' + secs(o[1]) + (o[2] < 0 ? ', pending at the end' : ', returned ' + secs(o[2]));
      }});
    });
  }

  // Messages in the view, as arrows, or as counts per pixel when there are too many.
  function drawMessages(stats) {
    var inView = [];
    for (var i = 0; i < d.msgs.length; i++) {
      var m = d.msgs[i];
      if (visible(m[0], m[1]) && shown(m)) inView.push(i);
    }
    if (inView.length > ARROWS_MAX) {
      stats.mode = 'density';
      var cols = lanes.map(function () { return {}; });
      inView.forEach(function (i) { var m = d.msgs[i], c = Math.floor(x(m[0])); cols[m[2]][c] = (cols[m[2]][c] || 0) + 1; });
      cols.forEach(function (c, l) { densityBars(l, c, '#1f6fb2'); });
      return inView.length;
    }
    stats.mode = 'arrows';
    inView.forEach(function (i) { arrow(d.msgs[i], i, stats); });
    return inView.length;
  }

  function densityBars(l, cols, color) {
    var lane = lanes[l], most = 1, k;
    for (k in cols) if (cols[k] > most) most = cols[k];
    ctx.fillStyle = color;
    for (k in cols) {
      var h = Math.max(1, cols[k] / most * (lane.height - 6));
      ctx.globalAlpha = 0.5; ctx.fillRect(+k, lane.top + lane.height - 2 - h, 1, h); ctx.globalAlpha = 1;
    }
  }

  function arrow(m, i, stats) {
    var x0 = x(m[0]), y0 = mid(m[2]), x1 = x(m[1]), y1 = mid(m[3]), reason = m[5] & 7;
    if (reason === 1 || reason === 2) { x1 = x0 + 10; y1 = y0 + (y1 - y0) * 0.35; }
    ctx.strokeStyle = reason ? '#c62828' : colorOf(m[4]);
    ctx.globalAlpha = (m[5] & 8) ? 0.35 : 0.85;
    ctx.setLineDash(reason ? [3, 2] : []);
    ctx.beginPath(); ctx.moveTo(x0, y0); ctx.lineTo(x1, y1); ctx.stroke(); ctx.setLineDash([]);
    var ang = Math.atan2(y1 - y0, x1 - x0);
    if (reason) {
      ctx.beginPath(); ctx.moveTo(x1 - 3, y1 - 3); ctx.lineTo(x1 + 3, y1 + 3); ctx.moveTo(x1 + 3, y1 - 3); ctx.lineTo(x1 - 3, y1 + 3); ctx.stroke();
      stats.dropped++;
    } else {
      ctx.fillStyle = ctx.strokeStyle; ctx.beginPath(); ctx.moveTo(x1, y1);
      ctx.lineTo(x1 - 6 * Math.cos(ang - 0.4), y1 - 6 * Math.sin(ang - 0.4));
      ctx.lineTo(x1 - 6 * Math.cos(ang + 0.4), y1 - 6 * Math.sin(ang + 0.4)); ctx.fill();
      stats.delivered++;
    }
    ctx.globalAlpha = 1;
    hits.push({seg: [x0, y0, x1, y1], weight: 10, text: function () {
      var why = ['', 'dropped: no link when sent', 'dropped: lost by the network', 'dropped: receiver down or restarted'][reason];
      return d.lines[i] + '\nsent ' + secs(m[0]) + (reason === 1 || reason === 2 ? '' : ', ' + (reason ? 'dropped ' : 'delivered ') + secs(m[1])) +
        ' · event ' + m[6] + (why ? '\n' + why : '');
    }});
  }

  function drawMarks() {
    ctx.font = '10px monospace';
    d.marks.forEach(function (k) {
      if (k[0] < view.from || k[0] > view.to || k[2] === 'start') return;
      var px = x(k[0]), py = mid(k[1]);
      ctx.strokeStyle = ctx.fillStyle = {crash: '#c62828', restart: '#2e7d32', fault: '#8e44ad'}[k[2]];
      ctx.lineWidth = 2; ctx.beginPath();
      if (k[2] === 'crash') { ctx.moveTo(px - 5, py - 5); ctx.lineTo(px + 5, py + 5); ctx.moveTo(px + 5, py - 5); ctx.lineTo(px - 5, py + 5); ctx.stroke(); }
      else if (k[2] === 'restart') { ctx.moveTo(px, py - 6); ctx.lineTo(px + 5, py + 4); ctx.lineTo(px - 5, py + 4); ctx.closePath(); ctx.fill(); }
      else { ctx.moveTo(px, py - 5); ctx.lineTo(px + 4, py); ctx.lineTo(px, py + 5); ctx.lineTo(px - 4, py); ctx.closePath(); ctx.fill(); }
      ctx.lineWidth = 1;
      hits.push({box: [px - 6, py - 6, px + 6, py + 6], weight: 20, text: function () { return k[4] + '\nevent ' + k[3]; }});
    });
  }

  // Outside the detail window: counts per bucket, greyed.
  function drawOutside() {
    if (d.window.complete) return;
    [[view.from, d.window.from], [d.window.to, view.to]].forEach(function (r) {
      if (r[1] <= r[0]) return;
      var a = Math.max(LEFT, x(r[0])), b = Math.min(width() - RIGHT, x(r[1]));
      if (b <= a) return;
      ctx.fillStyle = 'rgba(120,120,120,0.12)'; ctx.fillRect(a, AXIS + STRIP, b - a, totalHeight - AXIS - STRIP);
      lanes.forEach(function (lane, l) {
        var cols = {}, w = d.buckets.width;
        for (var k = Math.max(0, Math.floor(r[0] / w)); k * w < r[1] && k < d.buckets.sent[l].length; k++) {
          var n = d.buckets.sent[l][k] + d.buckets.ops[l][k];
          if (n > 0) { var c = Math.floor(x(k * w)); cols[c] = (cols[c] || 0) + n; }
        }
        densityBars(l, cols, '#777');
      });
    });
  }

  function drawStrip() {
    ctx.font = '10px monospace';
    d.reigns.forEach(function (r) {
      if (!visible(r[0], r[1])) return;
      var a = Math.max(LEFT, x(r[0])), b = Math.min(width() - RIGHT, x(r[1]));
      var top = AXIS + r[6] * STRIP_ROW, cluster = d.clusters.length ? d.clusters[r[6]] + ', ' : '';
      ctx.fillStyle = r[3] < 0 ? '#eeeeee' : '#bfe3c4';
      ctx.fillRect(a, top, Math.max(b - a, 1), STRIP_ROW - 2);
      var label = 't' + r[2] + ' ' + (r[3] < 0 ? '—' : lanes[r[3]].name);
      if (b - a > label.length * 6 + 4) { ctx.fillStyle = '#222'; ctx.fillText(label, a + 3, top + 12); }
      hits.push({box: [a, top, b, top + STRIP_ROW], weight: 4, text: function () {
        var lines = [cluster + 'term ' + r[2] + ': ' + (r[3] < 0 ? 'no leader' : lanes[r[3]].name + ' leads'), secs(r[0]) + ' .. ' + secs(r[1])];
        if (r[4].length) lines.push('down: ' + r[4].map(function (l) { return lanes[l].name; }).join(', '));
        if (r[5].length) lines.push('still leading an older term: ' + r[5].map(function (s) { return lanes[s[0]].name + ' (term ' + s[1] + ')'; }).join(', '));
        return lines.join('\n');
      }});
    });
    ctx.fillStyle = '#333';
    if (!d.clusters.length) ctx.fillText('leader', 4, AXIS + 12);
    d.clusters.forEach(function (name, k) { ctx.fillText('leader ' + name, 4, AXIS + k * STRIP_ROW + 12); });
  }

  function drawFailure(stats) {
    if (!d.failure) { stats.failure = 'none'; return; }
    var t = d.failure.time, px = x(t);
    stats.failure = t >= view.from && t <= view.to ? 'visible' : 'hidden';
    if (stats.failure === 'hidden') return;
    ctx.strokeStyle = '#c62828'; ctx.lineWidth = 2; ctx.beginPath(); ctx.moveTo(px, AXIS); ctx.lineTo(px, totalHeight); ctx.stroke(); ctx.lineWidth = 1;
    ctx.font = 'bold 11px system-ui,sans-serif';
    var label = '✖ ' + d.failure.headline, w = ctx.measureText(label).width + 8;
    var bx = Math.min(px + 4, width() - RIGHT - w);
    ctx.fillStyle = '#c62828'; ctx.fillRect(bx, totalHeight - 17, w, 16);
    ctx.fillStyle = '#fff'; ctx.fillText(label, bx + 4, totalHeight - 5);
    hits.push({seg: [px, AXIS, px, totalHeight], weight: 30, text: function () {
      return 'failure at ' + secs(t) + ', event ' + d.failure.event + '\n' + d.failure.headline;
    }});
  }

  function draw() {
    hits = [];
    var stats = {delivered: 0, dropped: 0, mode: 'arrows', failure: 'none'};
    ctx.clearRect(0, 0, width(), totalHeight);
    drawLanes(); drawUnreliable(); ticks(); drawStrip(); drawBands(); drawSeries(); drawOps();
    var count = drawMessages(stats);
    drawOutside(); drawMarks();
    if (cursor !== null && cursor >= view.from && cursor <= view.to) {
      ctx.strokeStyle = '#1f6fb2'; ctx.setLineDash([6, 3]); ctx.beginPath(); ctx.moveTo(x(cursor), AXIS); ctx.lineTo(x(cursor), totalHeight); ctx.stroke(); ctx.setLineDash([]);
    }
    drawFailure(stats);
    ctx.clearRect(0, AXIS + STRIP, LEFT - 2, totalHeight);
    ctx.font = '11px monospace';
    lanes.forEach(function (lane, l) {
      ctx.fillStyle = d.failure && d.failure.lane === l ? '#c62828' : '#333';
      ctx.fillText(lane.name, 4, lane.top + 13);
      if (localsOf[l]) { ctx.fillStyle = '#777'; ctx.fillText('own clock', 4, lane.top + 26); }
    });
    report.setAttribute('data-lanes', String(lanes.length));
    report.setAttribute('data-delivered', String(stats.delivered));
    report.setAttribute('data-dropped', String(stats.dropped));
    report.setAttribute('data-mode', stats.mode);
    report.setAttribute('data-failure', stats.failure);
    report.setAttribute('data-messages', String(d.msgs.length));
    report.setAttribute('data-view', view.from + '..' + view.to);
    document.getElementById('note').textContent = windowNote() + ' · in view: ' + count + ' message(s)' +
      (stats.mode === 'density' ? ', more than ' + ARROWS_MAX + ': drawn as counts, zoom in for arrows' : '');
  }

  function windowNote() {
    var w = d.window, text = d.events + ' events, ' + secs(d.end) + ' of virtual time; ';
    text += w.complete ? 'every message, state change, crash and fault is drawn'
      : 'drawn one by one: ' + w.drawn + ' of ' + w.total + ' records, from ' + secs(w.from) + ' to ' + secs(w.to) +
        ' (the page holds at most ' + w.drawn + '; grey: outside, counted per ' + secs(d.buckets.width) + ')';
    if (w.ops < w.ops_total) text += '; ' + w.ops + ' of ' + w.ops_total + ' client operations drawn';
    return text + '; lines clipped at ' + w.line_chars_max + ' characters; pages stay under ' + (d.bound / 1e6) + ' MB';
  }

  var pending = false;
  function redraw() { if (!pending) { pending = true; requestAnimationFrame(function () { pending = false; draw(); }); } }
  // A view of at least a microsecond, kept over the run (with a small margin).
  function setView(from, to) {
    var end = Math.max(d.end, 1), span = Math.min(Math.max(to - from, 1000), end * 1.04);
    from = Math.max(Math.min(from, end * 1.02 - span), -end * 0.02);
    view.from = from; view.to = from + span;
    redraw();
  }
  function zoom(factor, at) {
    var t = at === undefined ? (view.from + view.to) / 2 : at;
    setView(t - (t - view.from) * factor, t + (view.to - t) * factor);
  }
  function centre(t, span) { setView(t - span * 0.6, t + span * 0.4); }

  // The failure with about 200 messages before it and 50 after.
  function failureView() {
    if (!d.failure) return;
    var t = d.failure.time, k = lower(d.msgs, function (m) { return m[1]; }, t);
    var a = d.msgs.length ? d.msgs[Math.max(0, k - 200)][0] : 0;
    var b = d.msgs.length ? d.msgs[Math.min(d.msgs.length - 1, k + 50)][1] : d.end;
    var span = Math.max(2 * (t - Math.min(a, t)), 2 * (Math.max(b, t) - t), 2e6);
    span = Math.min(span, Math.max(d.end, 1) * 1.02);
    centre(t, span);
    if (d.failure.lane >= 0) window.scrollTo(0, Math.max(0, lanes[d.failure.lane].top - 200));
  }

  function jump() {
    var kind = document.getElementById('jkind').value, v = Number(document.getElementById('jval').value);
    var say = document.getElementById('jsay'), t = null, what = '';
    if (!isFinite(v)) { say.textContent = 'not a number'; return; }
    if (kind === 'term') {
      d.bands.forEach(function (b) { if (b[4] === v && b[3] < 3 && (t === null || b[1] < t)) { t = b[1]; what = 'term ' + v + ' begins (' + lanes[b[0]].name + ' ' + ROLE_NAME[b[3]] + ')'; } });
    } else if (kind === 'index') {
      d.series.forEach(function (points, l) {
        for (var k = 0; k < points.length; k++) if (points[k][2] >= v) { if (t === null || points[k][0] < t) { t = points[k][0]; what = 'index ' + v + ' first held by ' + lanes[l].name; } break; }
      });
    } else if (kind === 'event') {
      var n = d.msgs.length, k = lower(d.msgs, function (m) { return m[6]; }, v);
      if (n && v >= d.msgs[0][6] && v <= d.msgs[n - 1][6]) { t = d.msgs[k][1]; what = 'event ' + d.msgs[k][6]; }
      else {
        var b = lower(d.buckets.first_event, function (e) { return e; }, v + 1) - 1;
        t = Math.max(0, b) * d.buckets.width; what = 'event ' + v + ' (its time bucket)';
      }
    } else { t = v * 1e9; what = secs(t); }
    if (t === null) { say.textContent = 'no ' + kind + ' ' + v + ' in this run'; return; }
    cursor = t; say.textContent = what + ' at ' + secs(t);
    centre(t, Math.min(view.to - view.from, Math.max(d.end, 1)));
  }

  function distance(s, px, py) {
    var dx = s[2] - s[0], dy = s[3] - s[1], len = dx * dx + dy * dy;
    var u = len ? Math.max(0, Math.min(1, ((px - s[0]) * dx + (py - s[1]) * dy) / len)) : 0;
    var ex = s[0] + u * dx - px, ey = s[1] + u * dy - py;
    return Math.sqrt(ex * ex + ey * ey);
  }
  function hover(ev) {
    var r = canvas.getBoundingClientRect(), px = ev.clientX - r.left, py = ev.clientY - r.top, best = null;
    hits.forEach(function (h) {
      var near = h.seg ? distance(h.seg, px, py) <= 4 : (px >= h.box[0] && px <= h.box[2] && py >= h.box[1] && py <= h.box[3]);
      if (near && (best === null || h.weight > best.weight)) best = h;
    });
    if (!best) { tip.style.display = 'none'; return; }
    tip.textContent = best.text(px);
    tip.style.display = 'block';
    tip.style.left = Math.min(ev.clientX + 12, window.innerWidth - 740) + 'px';
    tip.style.top = (ev.clientY + 14) + 'px';
  }

  var drag = null;
  canvas.addEventListener('mousedown', function (ev) { drag = {x: ev.clientX, from: view.from, to: view.to}; canvas.style.cursor = 'grabbing'; });
  window.addEventListener('mouseup', function () { drag = null; canvas.style.cursor = 'grab'; });
  canvas.addEventListener('mousemove', function (ev) {
    if (drag) {
      var dt = (ev.clientX - drag.x) / (width() - LEFT - RIGHT) * (drag.to - drag.from);
      setView(drag.from - dt, drag.to - dt);
      tip.style.display = 'none';
    } else hover(ev);
  });
  canvas.addEventListener('mouseleave', function () { tip.style.display = 'none'; });
  canvas.addEventListener('wheel', function (ev) {
    ev.preventDefault();
    var r = canvas.getBoundingClientRect();
    zoom(ev.deltaY > 0 ? 1.25 : 0.8, timeAt(ev.clientX - r.left));
  }, {passive: false});
  document.getElementById('fit').onclick = function () { setView(0, Math.max(d.end, 1)); };
  document.getElementById('zin').onclick = function () { zoom(0.5); };
  document.getElementById('zout').onclick = function () { zoom(2); };
  var toFail = document.getElementById('tofail');
  toFail.disabled = !d.failure;
  toFail.onclick = failureView;
  document.getElementById('jgo').onclick = jump;
  document.getElementById('jval').addEventListener('keydown', function (ev) { if (ev.key === 'Enter') jump(); });
  document.getElementById('hb').onchange = function (ev) { hideHeartbeats = ev.target.checked; redraw(); };
  var kinds = document.getElementById('kinds');
  d.kinds.forEach(function (name, k) {
    var label = document.createElement('label'), box = document.createElement('input');
    box.type = 'checkbox'; box.checked = true;
    box.onchange = function () { hidden[k] = !box.checked; redraw(); };
    label.appendChild(box);
    var sw = document.createElement('span');
    sw.textContent = ' ' + name; sw.style.color = colorOf(k);
    label.appendChild(sw); kinds.appendChild(label);
  });
  document.getElementById('title').textContent = d.title;
  var verdict = document.getElementById('verdict');
  verdict.textContent = d.failure ? 'FAIL: ' + d.failure.headline + ' (event ' + d.failure.event + ', ' + secs(d.failure.time) + ')' : 'PASS';
  verdict.className = d.failure ? 'fail' : 'pass';
  window.addEventListener('resize', function () { resize(); draw(); });
  resize();
  if (d.failure) failureView();
  draw();
})();
