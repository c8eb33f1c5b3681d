// A draw-only view for big families (positions computed by the tracker): one <canvas>, pan by
// dragging, zoom with the wheel, click to pick a node. Cytoscape spends seconds per thousand
// elements building its model before the first frame; this draws 10,000 nodes and edges in a
// few milliseconds per frame, which keeps a 10,000-node page usable on a small machine.
// The page's script drives it through the same few calls as its cytoscape view.
window.LineageCanvas = function (container, graph) {
  'use strict';
  var n = graph.x.length;
  var canvas = document.createElement('canvas');
  canvas.setAttribute('aria-hidden', 'true');
  canvas.style.display = 'block';
  container.appendChild(canvas);
  var ctx = canvas.getContext('2d');
  var hidden = new Uint8Array(n);
  var matched = new Uint8Array(n);
  var selected = -1;
  var k = 1, tx = 0, ty = 0;  // screen = world * k + t
  var width = 0, height = 0;
  var pending = false;
  var drawn = [0, 0];
  var tapped = function () {};
  var R = 9;  // node radius in world units, as cytoscape's 18px nodes

  function resize() {
    width = container.clientWidth;
    height = container.clientHeight;
    canvas.width = width;
    canvas.height = height;
    redraw();
  }

  function fit() {
    var x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
    for (var i = 0; i < n; i++) {
      if (graph.x[i] < x1) x1 = graph.x[i];
      if (graph.x[i] > x2) x2 = graph.x[i];
      if (graph.y[i] < y1) y1 = graph.y[i];
      if (graph.y[i] > y2) y2 = graph.y[i];
    }
    if (!n) return;
    var pad = 20;
    k = Math.min((width - 2 * pad) / (x2 - x1 + 2 * R || 1),
                 (height - 2 * pad) / (y2 - y1 + 2 * R || 1), 2);
    tx = width / 2 - k * (x1 + x2) / 2;
    ty = height / 2 - k * (y1 + y2) / 2;
    redraw();
  }

  function redraw() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(draw);
  }

  function shape(i, x, y, r) {
    var s = graph.shape[i];
    if (s === 'diamond') {
      ctx.moveTo(x, y - r); ctx.lineTo(x + r, y); ctx.lineTo(x, y + r); ctx.lineTo(x - r, y);
      ctx.closePath();
    } else if (s === 'round-rectangle') {
      ctx.rect(x - r, y - r * 0.8, 2 * r, 1.6 * r);
    } else {
      ctx.moveTo(x + r, y);
      ctx.arc(x, y, r, 0, 2 * Math.PI);
    }
  }

  function draw() {
    pending = false;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, width, height);
    var r = Math.max(R * k, 1.5);
    var margin = r + 2;
    var sx = new Float64Array(n), sy = new Float64Array(n), inView = new Uint8Array(n);
    var i;
    for (i = 0; i < n; i++) {
      sx[i] = graph.x[i] * k + tx;
      sy[i] = graph.y[i] * k + ty;
      inView[i] = !hidden[i] && sx[i] > -margin && sx[i] < width + margin &&
                  sy[i] > -margin && sy[i] < height + margin ? 1 : 0;
    }
    // edges: one path per colour and dash, parents above children so no arrows needed
    var groups = {};
    var edgeCount = 0;
    for (var e = 0; e < graph.parent.length; e++) {
      var a = graph.parent[e], b = graph.child[e];
      if (hidden[a] || hidden[b] || !(inView[a] || inView[b])) continue;
      var g = graph.edgeColor[e] + (graph.inferred[e] ? '|d' : '|s');
      (groups[g] = groups[g] || []).push(e);
      edgeCount++;
    }
    ctx.lineWidth = Math.max(0.5, Math.min(1.5, 1.5 * k));
    Object.keys(groups).forEach(function (g) {
      var parts = g.split('|');
      ctx.strokeStyle = parts[0];
      ctx.setLineDash(parts[1] === 'd' ? [4, 3] : []);
      ctx.beginPath();
      groups[g].forEach(function (e) {
        ctx.moveTo(sx[graph.parent[e]], sy[graph.parent[e]]);
        ctx.lineTo(sx[graph.child[e]], sy[graph.child[e]]);
      });
      ctx.stroke();
    });
    ctx.setLineDash([]);
    // halos under the nodes: search matches, then the selection
    ctx.fillStyle = 'rgba(255, 212, 0, 0.8)';
    ctx.beginPath();
    for (i = 0; i < n; i++) {
      if (matched[i] && inView[i]) { ctx.moveTo(sx[i] + r + 5, sy[i]); ctx.arc(sx[i], sy[i], r + 5, 0, 7); }
    }
    ctx.fill();
    if (selected >= 0 && inView[selected]) {
      ctx.fillStyle = 'rgba(26, 115, 232, 0.9)';
      ctx.beginPath();
      ctx.arc(sx[selected], sy[selected], r + 7, 0, 7);
      ctx.fill();
    }
    // nodes, one path per fill colour; removed ones faded
    var fills = {};
    var nodeCount = 0;
    for (i = 0; i < n; i++) {
      if (!inView[i]) continue;
      var f = graph.color[i] + (graph.removed[i] ? '|r' : '');
      (fills[f] = fills[f] || []).push(i);
      nodeCount++;
    }
    ctx.lineWidth = 1;
    ctx.strokeStyle = '#333333';
    Object.keys(fills).forEach(function (f) {
      var parts = f.split('|');
      ctx.fillStyle = parts[0];
      ctx.globalAlpha = parts[1] === 'r' ? 0.35 : 1;
      ctx.setLineDash(parts[1] === 'r' ? [3, 2] : []);
      ctx.beginPath();
      fills[f].forEach(function (j) { shape(j, sx[j], sy[j], r); });
      ctx.fill();
      ctx.globalAlpha = 1;
      if (r > 2.5 || parts[1] === 'r') ctx.stroke();
    });
    ctx.setLineDash([]);
    // marks: license issues (red ring), gated (a second ring)
    ctx.beginPath();
    for (i = 0; i < n; i++) if (inView[i] && graph.issue[i]) shape(i, sx[i], sy[i], r + Math.max(0.8, r * 0.25));
    ctx.strokeStyle = graph.issueColor;
    ctx.lineWidth = Math.max(1, Math.min(3, r * 0.35));
    ctx.stroke();
    ctx.beginPath();
    for (i = 0; i < n; i++) if (inView[i] && graph.gated[i]) shape(i, sx[i], sy[i], r + Math.max(1.5, r * 0.5));
    ctx.strokeStyle = '#333333';
    ctx.lineWidth = 1;
    ctx.stroke();
    // labels once zoomed in, or of the selected node
    ctx.fillStyle = '#222222';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    if (k >= 0.6 && nodeCount <= 1500) {
      ctx.font = Math.round(7 * k) + 'px system-ui, sans-serif';
      for (i = 0; i < n; i++) if (inView[i]) ctx.fillText(graph.label[i], sx[i], sy[i] + r + 2);
    }
    if (selected >= 0 && inView[selected]) {
      ctx.font = '600 12px system-ui, sans-serif';
      ctx.fillText(graph.label[selected], sx[selected], sy[selected] + r + 8);
    }
    drawn = [nodeCount, edgeCount];
  }

  function pick(px, py) {
    var best = -1, bestD = Infinity;
    var reach = Math.max(R * k, 4) + 2;
    for (var i = 0; i < n; i++) {
      if (hidden[i]) continue;
      var dx = graph.x[i] * k + tx - px, dy = graph.y[i] * k + ty - py;
      var d = dx * dx + dy * dy;
      if (d < bestD && d <= reach * reach) { best = i; bestD = d; }
    }
    return best;
  }

  var drag = null;
  canvas.addEventListener('mousedown', function (event) {
    drag = { x: event.clientX, y: event.clientY, tx: tx, ty: ty, moved: false };
  });
  window.addEventListener('mousemove', function (event) {
    if (!drag) return;
    var dx = event.clientX - drag.x, dy = event.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
    if (drag.moved) { tx = drag.tx + dx; ty = drag.ty + dy; redraw(); }
  });
  window.addEventListener('mouseup', function (event) {
    if (!drag) return;
    var moved = drag.moved;
    drag = null;
    if (moved) return;
    var box = canvas.getBoundingClientRect();
    tapped(pick(event.clientX - box.left, event.clientY - box.top));
  });
  canvas.addEventListener('wheel', function (event) {
    event.preventDefault();
    var box = canvas.getBoundingClientRect();
    var px = event.clientX - box.left, py = event.clientY - box.top;
    var next = Math.min(4, Math.max(0.01, k * Math.exp(-event.deltaY * 0.0015)));
    tx = px - (px - tx) * next / k;
    ty = py - (py - ty) * next / k;
    k = next;
    redraw();
  }, { passive: false });
  if (window.ResizeObserver) new ResizeObserver(resize).observe(container);

  resize();
  fit();
  return {
    setHidden: function (flags) { hidden.set(flags); redraw(); },
    setMatches: function (indices) {
      matched.fill(0);
      indices.forEach(function (i) { matched[i] = 1; });
      redraw();
    },
    select: function (i) { selected = i; redraw(); },
    center: function (i) {
      k = Math.max(k, 0.8);
      tx = width / 2 - graph.x[i] * k;
      ty = height / 2 - graph.y[i] * k;
      redraw();
    },
    visible: function (i) { return !hidden[i]; },
    onTap: function (callback) { tapped = callback; },
    onFirstDraw: function (callback) { requestAnimationFrame(function () { callback(); }); },
    drawn: function () { return drawn.slice(); },
    fit: fit
  };
};
