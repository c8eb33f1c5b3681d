// The lineage page's behaviour: reads the embedded graph, draws it (cytoscape.js, or canvas.js
// for a big family), and
// wires search, filters, the details panel and the list view. Hub strings reach the DOM only
// through textContent and attribute setters, never as markup.
(function () {
  'use strict';
  var timings = {};  // milliseconds since navigation, for bench/html_bench.py
  var raw = JSON.parse(document.getElementById('lineage-data').textContent);
  var S = raw.strings;
  var big = raw.positions !== null;
  var RELATIONS = Object.keys(raw.colors);
  var STATUSES = ['active', 'gated', 'removed', 'renamed'];
  var HUBS = Object.keys(raw.shapes);
  var PAGE = 200;

  function known(value, choices, fallback) {
    return choices.indexOf(value) >= 0 ? value : fallback;
  }

  // field order: raw.fields.node (graph/export/html.py page_data)
  var nodes = raw.nodes.map(function (r, i) {
    var hub = S[r[7]];
    var repo = r[1] === 0 ? r[0].slice(r[0].indexOf(':') + 1) : r[1];
    return {
      i: i, key: r[0], repo: repo, label: hub === 'huggingface' ? repo : hub + ':' + repo,
      relation: known(S[r[2]], RELATIONS, 'other'), generation: r[3], isRoot: r[4] === 1,
      url: typeof r[5] === 'number' ? S[r[5]] + repo : r[5], aliases: r[6], hub: hub,
      license: S[r[8]], issues: S[r[9]] ? S[r[9]].split(',') : [], status: S[r[10]],
      formats: S[r[11]], roots: S[r[12]], parameters: r[13], downloads: r[14], likes: r[15],
      created: r[16], modified: r[17], firstSeen: r[18], lastSeen: r[19],
      lower: r[0].toLowerCase(), parents: [], children: []
    };
  });
  var edges = raw.edges.map(function (r, i) {
    var e = {
      i: i, parent: r[0], child: r[1], relation: S[r[2]], source: S[r[3]],
      confidence: r[4], evidence: r[5], firstSeen: r[6]
    };
    nodes[r[1]].parents.push(e);
    nodes[r[0]].children.push(e);
    return e;
  });

  timings.data = performance.now();

  // ------------------------------------------------------------------ the drawing
  // Two views behind the same calls: cytoscape.js (dagre layout) for a family the browser can
  // lay out quickly, the draw-only canvas (canvas.js) when the tracker computed positions.
  function cytoscapeView(container) {
    var elements = [];
    nodes.forEach(function (n) {
      var classes = [];
      if (n.issues.length) classes.push('issue');
      if (n.status === 'removed') classes.push('removed');
      if (n.status === 'gated') classes.push('gated');
      elements.push({
        group: 'nodes',
        data: {
          id: 'n' + n.i, label: n.label, color: raw.colors[n.relation],
          shape: raw.shapes[n.hub] || 'ellipse'
        },
        classes: classes
      });
    });
    edges.forEach(function (e) {
      elements.push({
        group: 'edges',
        data: {
          id: 'e' + e.i, source: 'n' + e.parent, target: 'n' + e.child,
          color: raw.colors[known(e.relation, RELATIONS, 'other')]
        },
        classes: e.source === 'declared' ? [] : ['inferred']
      });
    });
    var cy = cytoscape({
      container: container,
      elements: elements,
      style: [
        { selector: 'node', style: {
          'background-color': 'data(color)', 'shape': 'data(shape)', 'width': 18,
          'height': 18, 'border-width': 1, 'border-color': '#333', 'label': 'data(label)',
          'font-size': 7, 'min-zoomed-font-size': 6, 'text-valign': 'bottom',
          'text-margin-y': 2, 'color': '#222' } },
        { selector: 'node.removed', style: {
          'border-style': 'dashed', 'border-width': 2, 'background-opacity': 0.35 } },
        { selector: 'node.gated', style: { 'border-style': 'double', 'border-width': 5 } },
        { selector: 'node.issue', style: {
          'border-color': raw.issue_color, 'border-width': 4 } },
        { selector: 'edge', style: {
          'width': 1.5, 'line-color': 'data(color)', 'target-arrow-color': 'data(color)',
          'target-arrow-shape': 'triangle', 'arrow-scale': 0.7, 'curve-style': 'bezier' } },
        { selector: 'edge.inferred', style: { 'line-style': 'dashed' } },
        { selector: 'node.match', style: {
          'underlay-color': '#ffd400', 'underlay-opacity': 0.8, 'underlay-padding': 6 } },
        { selector: 'node:selected', style: {
          'underlay-color': '#1a73e8', 'underlay-opacity': 0.9, 'underlay-padding': 8,
          'font-size': 11, 'min-zoomed-font-size': 0, 'z-index': 10 } },
        { selector: '.filtered', style: { 'display': 'none' } }
      ],
      layout: { name: 'dagre', rankDir: 'TB', nodeSep: 40, rankSep: 70, edgeSep: 8,
                fit: true, padding: 20 },
      selectionType: 'single',
      boxSelectionEnabled: false,
      autoungrabify: true,
      minZoom: 0.05,
      maxZoom: 4
    });
    if (cy.zoom() > 1.5) { cy.zoom(1.5); cy.center(); }
    var matchedNow = cy.collection();
    var tapped = function () {};
    cy.on('tap', function (event) {
      tapped(event.target === cy ? -1 : event.target.isNode() ?
        Number(event.target.id().slice(1)) : -1);
    });
    return {
      cy: cy,
      setHidden: function (flags) {
        cy.batch(function () {
          cy.nodes().forEach(function (node) {
            if (flags[Number(node.id().slice(1))]) node.addClass('filtered');
            else node.removeClass('filtered');
          });
        });
      },
      setMatches: function (indices) {
        cy.batch(function () {
          matchedNow.removeClass('match');
          matchedNow = cy.collection(indices.map(function (i) { return cy.getElementById('n' + i); }));
          matchedNow.addClass('match');
        });
      },
      select: function (i) {
        cy.batch(function () {
          cy.$(':selected').unselect();
          if (i >= 0) cy.getElementById('n' + i).select();
        });
      },
      center: function (i) {
        cy.zoom(Math.max(cy.zoom(), 1.2));
        cy.center(cy.getElementById('n' + i));
      },
      visible: function (i) { return cy.getElementById('n' + i).visible(); },
      onTap: function (callback) { tapped = callback; },
      onFirstDraw: function (callback) {
        cy.one('render', function () { requestAnimationFrame(callback); });
      },
      drawn: function () {
        return [cy.nodes(':visible').length, cy.edges(':visible').length];
      },
      fit: function () { cy.fit(undefined, 20); }
    };
  }

  function canvasView(container) {
    var shapes = nodes.map(function (n) { return raw.shapes[n.hub] || 'ellipse'; });
    return window.LineageCanvas(container, {
      x: nodes.map(function (n) { return raw.positions[2 * n.i]; }),
      y: nodes.map(function (n) { return raw.positions[2 * n.i + 1]; }),
      label: nodes.map(function (n) { return n.label; }),
      color: nodes.map(function (n) { return raw.colors[n.relation]; }),
      shape: shapes,
      issue: nodes.map(function (n) { return n.issues.length > 0; }),
      removed: nodes.map(function (n) { return n.status === 'removed'; }),
      gated: nodes.map(function (n) { return n.status === 'gated'; }),
      parent: edges.map(function (e) { return e.parent; }),
      child: edges.map(function (e) { return e.child; }),
      edgeColor: edges.map(function (e) {
        return raw.colors[known(e.relation, RELATIONS, 'other')];
      }),
      inferred: edges.map(function (e) { return e.source !== 'declared'; }),
      issueColor: raw.issue_color
    });
  }

  var container = document.getElementById('cy');
  var view = big ? canvasView(container) : cytoscapeView(container);
  if (nodes.length === 0) container.textContent = 'This graph has no nodes.';
  timings.layout = performance.now();
  document.getElementById('fit').addEventListener('click', function () { view.fit(); });

  // ------------------------------------------------------------------ small DOM helpers
  function el(tag, text, attrs) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (attrs) Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }
  function number(value) { return value ? value.toLocaleString('en') : 'unknown'; }
  function when(value) { return value ? value.replace('T', ' ') + ' UTC' : 'unknown'; }
  function nodeButton(n) {
    var b = el('button', n.key, { type: 'button', 'class': 'link', 'data-node': String(n.i) });
    return b;
  }
  function safeUrl(url) { return /^https?:\/\//i.test(url) ? url : null; }

  // ------------------------------------------------------------------ details panel
  var details = document.getElementById('details');
  var panel = document.getElementById('panel');

  function describe(n) {
    details.textContent = '';
    details.appendChild(el('p', n.key, { 'class': 'key', id: 'details-key' }));
    var url = safeUrl(n.url);
    if (url) {
      var a = el('a', 'Open on ' + n.hub, { href: url, rel: 'noopener noreferrer',
                                             target: '_blank' });
      details.appendChild(el('p')).appendChild(a);
    }
    var facts = el('dl');
    [
      ['relation', n.relation], ['generation', n.generation], ['roots', n.roots || 'none'],
      ['license', n.license || 'none declared'], ['formats', n.formats || 'unknown'],
      ['parameters', number(n.parameters)], ['downloads', n.downloads.toLocaleString('en')],
      ['likes', n.likes.toLocaleString('en')], ['status', n.status], ['created', when(n.created)],
      ['last modified', when(n.modified)], ['first seen', when(n.firstSeen)],
      ['last seen', when(n.lastSeen)], ['former ids', n.aliases || 'none']
    ].forEach(function (pair) {
      facts.appendChild(el('dt', pair[0]));
      facts.appendChild(el('dd', pair[1]));
    });
    details.appendChild(facts);

    details.appendChild(el('h3', n.parents.length === 1 ? 'Parent' :
                                 'Parents (' + n.parents.length + ')'));
    if (!n.parents.length) {
      details.appendChild(el('p', n.isRoot ? 'A root release.' : 'No parent in this graph.'));
    }
    var list = details.appendChild(el('ul', null, { 'class': 'plain' }));
    n.parents.forEach(function (e) {
      var item = list.appendChild(el('li'));
      item.appendChild(nodeButton(nodes[e.parent]));
      item.appendChild(el('div', e.relation + ', ' + e.source + ', confidence ' +
                                 e.confidence.toFixed(2) + ', since ' + when(e.firstSeen)));
      item.appendChild(el('p', e.evidence || '(no evidence recorded)', { 'class': 'evidence' }));
    });

    details.appendChild(el('h3', 'License issues'));
    if (!n.issues.length) details.appendChild(el('p', 'None.'));
    var found = raw.issues[n.i] || [];
    var issues = details.appendChild(el('ul', null, { 'class': 'plain' }));
    n.issues.forEach(function (code) {
      var mine = found.filter(function (f) { return f[0] === code; });
      if (!mine.length) mine = [[code, '', raw.meanings[code] || '']];
      mine.forEach(function (f) {
        var item = issues.appendChild(el('li', null, { 'class': 'issue' }));
        item.appendChild(el('strong', f[0] + (f[1] ? ' (root ' + f[1] + ')' : '')));
        item.appendChild(el('div', f[2]));
      });
    });

    if (n.children.length) {
      details.appendChild(el('h3', 'Children (' + n.children.length + ')'));
      var kids = details.appendChild(el('ul', null, { 'class': 'plain' }));
      n.children.slice(0, 50).forEach(function (e) {
        var item = kids.appendChild(el('li'));
        item.appendChild(nodeButton(nodes[e.child]));
        item.appendChild(document.createTextNode(' ' + e.relation));
      });
      if (n.children.length > 50) {
        details.appendChild(el('p', (n.children.length - 50) + ' more in the list.'));
      }
    }
  }

  var current = null;
  function select(i, opts) {
    opts = opts || {};
    if (i < 0) { current = null; view.select(-1); highlightRow(); return; }
    current = i;
    view.select(i);
    describe(nodes[i]);
    if (opts.center && view.visible(i)) view.center(i);
    highlightRow();
    if (opts.focus) panel.focus();
  }

  view.onTap(function (i) { select(i, {}); });
  document.addEventListener('click', function (event) {
    var target = event.target.closest ? event.target.closest('button[data-node]') : null;
    if (target) select(Number(target.getAttribute('data-node')), { center: true, focus: true });
  });

  // ------------------------------------------------------------------ filters
  var state = { relation: {}, hub: {}, status: {}, issue: 'all' };
  function counts(field) {
    var c = {};
    nodes.forEach(function (n) { c[n[field]] = (c[n[field]] || 0) + 1; });
    return c;
  }
  function checkboxes(id, field, values) {
    var box = document.getElementById(id);
    var c = counts(field);
    Object.keys(c).forEach(function (v) { if (values.indexOf(v) < 0) values.push(v); });
    values.forEach(function (v) {
      if (!c[v]) return;
      state[field][v] = true;
      var input = el('input', null, { type: 'checkbox', name: field, value: v });
      input.checked = true;
      input.addEventListener('change', function () { state[field][v] = input.checked; apply(); });
      var label = el('label');
      label.appendChild(input);
      label.appendChild(document.createTextNode(' ' + v + ' (' + c[v].toLocaleString('en') +
                                                ')'));
      box.appendChild(label);
    });
  }
  checkboxes('f-relation', 'relation', RELATIONS.slice());
  checkboxes('f-hub', 'hub', HUBS.slice());
  checkboxes('f-status', 'status', STATUSES.slice());
  (function () {
    var box = document.getElementById('f-issue');
    var withIssues = nodes.filter(function (n) { return n.issues.length; }).length;
    [['all', 'all nodes'], ['with', 'with issues (' + withIssues + ')'],
     ['without', 'without issues']].forEach(function (choice) {
      var input = el('input', null, { type: 'radio', name: 'issue', value: choice[0] });
      input.checked = choice[0] === 'all';
      input.addEventListener('change', function () { state.issue = choice[0]; apply(); });
      var label = el('label');
      label.appendChild(input);
      label.appendChild(document.createTextNode(' ' + choice[1]));
      box.appendChild(label);
    });
  })();

  function passes(n) {
    if (!state.relation[n.relation] || !state.hub[n.hub] || !state.status[n.status]) {
      return false;
    }
    if (state.issue === 'with') return n.issues.length > 0;
    if (state.issue === 'without') return n.issues.length === 0;
    return true;
  }

  // ------------------------------------------------------------------ search and list
  var search = document.getElementById('search');
  var status = document.getElementById('search-status');
  var rows = document.getElementById('rows');
  var more = document.getElementById('more');
  var listCount = document.getElementById('list-count');
  var shown = [];
  var shownUpTo = 0;
  var matched = [];

  var ordered = nodes.slice().sort(function (a, b) {
    return a.generation - b.generation || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  });

  function row(n) {
    var tr = el('tr', null, { 'data-node': String(n.i) });
    tr.appendChild(el('td')).appendChild(nodeButton(n));
    [n.relation, n.hub, n.license || 'none', n.issues.join(', ') || '', n.status,
     n.generation].forEach(function (v) { tr.appendChild(el('td', v)); });
    return tr;
  }
  function renderRows(upTo) {
    var fragment = document.createDocumentFragment();
    for (var k = shownUpTo; k < Math.min(upTo, shown.length); k++) {
      fragment.appendChild(row(shown[k]));
    }
    rows.appendChild(fragment);
    shownUpTo = Math.min(upTo, shown.length);
    var left = shown.length - shownUpTo;
    more.hidden = left <= 0;
    more.textContent = 'Show ' + Math.min(PAGE, left).toLocaleString('en') + ' more of ' +
                       left.toLocaleString('en');
    listCount.textContent = shown.length.toLocaleString('en') + ' of ' +
                            nodes.length.toLocaleString('en') + ' nodes match' +
                            (shownUpTo < shown.length ? ', first ' +
                             shownUpTo.toLocaleString('en') + ' listed' : '');
    highlightRow();
  }
  function highlightRow() {
    var old = rows.querySelector('tr.current');
    if (old) old.classList.remove('current');
    if (current === null) return;
    var tr = rows.querySelector('tr[data-node="' + current + '"]');
    if (tr) tr.classList.add('current');
  }
  more.addEventListener('click', function () { renderRows(shownUpTo + PAGE); });

  function apply() {
    var query = search.value.trim().toLowerCase();
    var flags = new Uint8Array(nodes.length);
    var hidden = 0;
    matched = [];
    nodes.forEach(function (n) {
      if (!passes(n)) { flags[n.i] = 1; hidden++; }
      else if (query && n.lower.indexOf(query) >= 0) matched.push(n);
    });
    view.setHidden(flags);
    view.setMatches(matched.map(function (n) { return n.i; }));
    shown = ordered.filter(function (n) {
      return passes(n) && (!query || n.lower.indexOf(query) >= 0);
    });
    rows.textContent = '';
    shownUpTo = 0;
    renderRows(PAGE);
    var found = query ? best(query) : null;
    if (query) {
      status.textContent = found ? matched.length.toLocaleString('en') + ' match' +
        (matched.length === 1 ? '' : 'es') + '; showing ' + found.key : 'no node matches';
    } else {
      status.textContent = hidden ? hidden.toLocaleString('en') + (hidden === 1 ? ' node' : ' nodes') +
        ' hidden by filters' : '';
    }
    return found;
  }
  function best(query) {
    // an exact id first
    // (the key, the repo id, or the name after its owner), then one starting with the text,
    // then the first in list order
    var exact = null, prefix = null;
    matched.forEach(function (n) {
      var repo = n.repo.toLowerCase();
      var name = repo.slice(repo.lastIndexOf('/') + 1);
      if (n.lower === query || repo === query || name === query) exact = exact || n;
      if (!prefix && (repo.indexOf(query) === 0 || name.indexOf(query) === 0)) prefix = n;
    });
    return exact || prefix || shown[0] || null;
  }

  var timer = null;
  function onSearch() {
    var found = apply();
    if (found) select(found.i, { center: true });
  }
  search.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(onSearch, nodes.length > 2000 ? 250 : 80);
  });
  document.getElementById('search-form').addEventListener('submit', function (event) {
    event.preventDefault();
    clearTimeout(timer);
    onSearch();
  });
  document.addEventListener('keydown', function (event) {
    if (event.key === 'Escape' && document.activeElement !== search) {
      select(-1);
      search.focus();
    }
  });

  apply();
  timings.list = performance.now();

  // ------------------------------------------------------------------ ready, for people and tests
  (nodes.length ? view.onFirstDraw : function (f) { requestAnimationFrame(f); })(function () {
    timings.drawn = performance.now();
    window.lineage = {
      nodes: nodes.length, edges: edges.length, view: big ? 'canvas' : 'cytoscape',
      cy: view.cy || null, timings: timings, drawn: view.drawn,
      selected: function () { return current; },
      hidden: function () {
        return nodes.filter(function (n) { return !view.visible(n.i); })
                    .map(function (n) { return n.i; });
      },
      centerOn: function (i) { view.center(i); }
    };
    document.body.setAttribute('data-ready', 'true');
  });
})();
