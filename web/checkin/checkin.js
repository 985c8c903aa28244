// checkin.js - the door's check-in page (/checkin/{event}), served by
// convened under a strict Content-Security-Policy (no inline script).
//
// The check-in secret comes from the link's fragment (#s=...; a fragment
// never reaches the server or its logs) or from the sign-in form, and is
// kept in sessionStorage; every request carries it in X-Checkin-Secret.
// Without a secret the page works with the console's session (a door
// account, a coordinator or an admin logged in at /admin/): the cookie goes
// with every request, and changes carry the session's CSRF token.
// Marks are queued in localStorage, each with a random client id, and sent
// in order; a request that gets no answer (network down, convened stopped)
// stays queued and is sent again, and the server applies a client id once,
// so no mark is lost or applied twice.
'use strict';

(function () {
  const ev = decodeURIComponent(location.pathname.split('/')[2] || '');
  const base = '/checkin/' + encodeURIComponent(ev) + '/api/';
  const QKEY = 'cv-checkin-queue-' + ev; // localStorage: the queue
  const SKEY = 'cv-checkin-secret-' + ev; // sessionStorage: the secret
  const LKEY = 'cv-checkin-list-' + ev; // sessionStorage: the last list
  const BKEY = 'cv-checkin-by'; // localStorage: the staff member's name
  const $ = (id) => document.getElementById(id);
  let data = null;
  let day = null;
  let flushing = false;

  // The secret from the fragment, then out of the address bar.
  const m = /(?:^#|&)s=([^&]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem(SKEY, decodeURIComponent(m[1]));
    history.replaceState(null, '', location.pathname);
  }

  function secret() {
    return sessionStorage.getItem(SKEY);
  }

  // The console session's CSRF token (its cookie is readable by script).
  function csrf() {
    const m = /(?:^|;\s*)convened_csrf=([^;]+)/.exec(document.cookie);
    return m ? decodeURIComponent(m[1]) : null;
  }

  // The secret, or the admin token typed into the same field; without
  // either, the console's session.
  function headers() {
    const h = { 'Content-Type': 'application/json' };
    const s = secret();
    if (s) {
      h['X-Checkin-Secret'] = s;
      h.Authorization = 'Bearer ' + s;
    } else if (csrf()) {
      h['X-CSRF-Token'] = csrf();
    }
    return h;
  }

  function say(text, ok) {
    const p = $('msg');
    p.textContent = text;
    p.className = ok ? 'ok' : '';
  }

  function queue() {
    try {
      return JSON.parse(localStorage.getItem(QKEY)) || [];
    } catch (e) {
      return [];
    }
  }

  function saveQueue(q) {
    localStorage.setItem(QKEY, JSON.stringify(q));
    $('waiting').textContent = String(q.length);
  }

  function setOnline(on) {
    $('online').textContent = on ? 'Online' : 'Offline: marks are kept on this phone';
    $('net').className = on ? '' : 'offline';
  }

  // fetch, given up after 8 s: a network that drops mid-request counts
  // as offline, and the request stays queued.
  function fetchT(url, opts) {
    const ac = new AbortController();
    const t = setTimeout(() => ac.abort(), 8000);
    return fetch(url, Object.assign({ signal: ac.signal }, opts))
      .finally(() => clearTimeout(t));
  }

  function clientId() {
    const a = new Uint8Array(16);
    crypto.getRandomValues(a);
    return Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  function showLogin(why) {
    $('door').hidden = true;
    $('login').hidden = false;
    $('by').value = localStorage.getItem(BKEY) || '';
    if (why) {
      let p = $('login-msg');
      if (!p) {
        p = document.createElement('p');
        p.id = 'login-msg';
        p.setAttribute('role', 'alert');
        $('login-form').before(p);
      }
      p.textContent = why;
    }
  }

  function fold(s) {
    return (s || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  }

  function markOf(reg) {
    const m = reg.marks && reg.marks[day];
    return m ? m.state : null;
  }

  function render() {
    if (!data) return;
    const q = fold($('q').value.trim());
    const list = $('list');
    list.textContent = '';
    let here = 0;
    for (const reg of data.registrations) {
      if (markOf(reg) === 'attended') here++;
    }
    $('count').textContent = here + ' of ' + data.registrations.length + ' here on ' + day;
    for (const reg of data.registrations) {
      const hay = fold(reg.name + ' ' + (reg.organisation || '') + ' ' + (reg.country || ''));
      if (q && !hay.includes(q)) continue;
      const li = document.createElement('li');
      const state = markOf(reg);
      li.dataset.registration = reg.registration;
      if (state === 'attended') li.className = 'here';
      const who = document.createElement('div');
      who.className = 'who';
      const name = document.createElement('strong');
      name.textContent = reg.name;
      const org = document.createElement('span');
      org.textContent = [reg.organisation, reg.country].filter(Boolean).join(', ');
      who.append(name, org);
      if (state) {
        const st = document.createElement('span');
        st.className = 'state';
        st.textContent = state === 'attended' ? ' ✓ here' : ' no-show';
        who.append(st);
      }
      const btn = document.createElement('button');
      btn.type = 'button';
      btn.className = 'mark';
      btn.textContent = state === 'attended' ? 'Undo' : 'Here';
      btn.setAttribute('aria-label',
        (state === 'attended' ? 'Undo the mark of ' : 'Mark attended: ') + reg.name);
      btn.addEventListener('click', () => toggle(reg));
      li.append(who, btn);
      list.append(li);
    }
  }

  // Tap: mark attended, or undo; shown at once, sent through the queue.
  function toggle(reg) {
    const undo = markOf(reg) === 'attended';
    reg.marks = reg.marks || {};
    if (undo) delete reg.marks[day];
    else reg.marks[day] = { state: 'attended' };
    sessionStorage.setItem(LKEY, JSON.stringify(data));
    render();
    send('marks', {
      registration: reg.registration,
      state: undo ? 'none' : 'attended',
      day: day,
    }, reg.name);
    say((undo ? 'Undone: ' : 'Here: ') + reg.name, true);
  }

  function send(what, body, label) {
    const by = localStorage.getItem(BKEY);
    if (by) body.by = by;
    const q = queue();
    q.push({ what: what, label: label, body: Object.assign({ client_id: clientId() }, body) });
    saveQueue(q);
    flush();
  }

  // Replace a registration in the list with the server's copy.
  function update(reg) {
    if (!data || !reg) return;
    const i = data.registrations.findIndex((r) => r.registration === reg.registration);
    if (i >= 0) data.registrations[i] = reg;
    else data.registrations.push(reg);
    sessionStorage.setItem(LKEY, JSON.stringify(data));
  }

  // Send the queue in order.  No answer: keep it and try again later.
  async function flush() {
    if (flushing) return;
    flushing = true;
    let refused = false;
    let did = false;
    try {
      for (;;) {
        const q = queue();
        if (!q.length) break;
        const item = q[0];
        let res;
        try {
          res = await fetchT(base + item.what, {
            method: 'POST', headers: headers(), cache: 'no-store',
            body: JSON.stringify(item.body),
          });
        } catch (e) {
          setOnline(false);
          break;
        }
        if (res.status >= 500) { // the database is away: keep it
          setOnline(false);
          break;
        }
        setOnline(true);
        const j = await res.json().catch(() => ({}));
        if (res.status === 401 || res.status === 403) {
          showLogin((j.error && j.error.message) || 'The check-in secret is not valid.');
          break;
        }
        saveQueue(queue().filter((x) => x.body.client_id !== item.body.client_id));
        did = true;
        if (res.ok) {
          update(j.registration);
          if (item.what === 'walk-ins' || item.body.token)
            say('Here: ' + j.registration.name, true);
        } else {
          refused = true;
          say('Not done (' + (item.label || 'scan') + '): ' +
              ((j.error && j.error.message) || 'refused'), false);
        }
      }
    } finally {
      flushing = false;
    }
    if (refused) await load();
    if (did) render();
  }

  async function load() {
    let res;
    try {
      res = await fetchT(base + 'list', { headers: headers(), cache: 'no-store' });
    } catch (e) {
      setOnline(false);
      const cached = sessionStorage.getItem(LKEY);
      if (cached && !data) show(JSON.parse(cached));
      return;
    }
    if (res.status === 401 || res.status === 403 || res.status === 404) {
      const j = await res.json().catch(() => ({}));
      sessionStorage.removeItem(SKEY);
      showLogin((j.error && j.error.message) || 'The check-in secret is not valid.');
      return;
    }
    if (!res.ok) {
      setOnline(false);
      return;
    }
    setOnline(true);
    show(await res.json());
  }

  function show(list) {
    data = list;
    sessionStorage.setItem(LKEY, JSON.stringify(data));
    $('login').hidden = true;
    $('door').hidden = false;
    $('title').textContent = 'Check-in: ' + data.event.title;
    document.title = 'Check-in: ' + data.event.title;
    $('place').textContent = data.event.place || '';
    const sel = $('day');
    const keep = day;
    sel.textContent = '';
    for (const d of data.days || []) {
      const o = document.createElement('option');
      o.value = o.textContent = d;
      sel.append(o);
    }
    day = keep && (data.days || []).includes(keep) ? keep : data.today;
    sel.value = day;
    $('day').closest('.row').hidden = (data.days || []).length < 2;
    const org = $('w-org');
    org.length = 1;
    for (const o of data.organisations || []) {
      const opt = document.createElement('option');
      opt.value = o.id;
      opt.textContent = o.name + (o.country ? ' (' + o.country + ')' : '');
      org.append(opt);
    }
    render();
  }

  // The camera, where the browser can read QR codes.
  let stream = null;
  async function scanSupported() {
    if (!('BarcodeDetector' in window) || !navigator.mediaDevices) return false;
    try {
      return (await BarcodeDetector.getSupportedFormats()).includes('qr_code');
    } catch (e) {
      return false;
    }
  }

  function stopScan() {
    if (stream) stream.getTracks().forEach((t) => t.stop());
    stream = null;
    $('scanner').hidden = true;
  }

  async function startScan() {
    const det = new BarcodeDetector({ formats: ['qr_code'] });
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
    } catch (e) {
      say('The camera is not available: ' + e.message, false);
      return;
    }
    const v = $('video');
    v.srcObject = stream;
    $('scanner').hidden = false;
    await v.play();
    const tick = async () => {
      if (!stream) return;
      try {
        for (const code of await det.detect(v)) {
          const t = (code.rawValue || '').trim();
          if (/^[0-9a-f]{64}$/.test(t)) {
            stopScan();
            send('marks', { token: t, state: 'attended', day: day }, 'scan');
            say('Scanned: sending…', true);
            return;
          }
        }
      } catch (e) { /* a frame that could not be read */ }
      setTimeout(tick, 250);
    };
    tick();
  }

  document.addEventListener('DOMContentLoaded', async () => {
    saveQueue(queue());
    $('login-form').addEventListener('submit', (e) => {
      e.preventDefault();
      sessionStorage.setItem(SKEY, $('secret').value.trim());
      localStorage.setItem(BKEY, $('by').value.trim());
      $('secret').value = '';
      load().then(flush);
    });
    $('logout').addEventListener('click', () => {
      sessionStorage.removeItem(SKEY);
      sessionStorage.removeItem(LKEY);
      data = null;
      showLogin('');
    });
    $('q').addEventListener('input', render);
    $('day').addEventListener('change', () => {
      day = $('day').value;
      render();
    });
    $('walkin-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const body = { name: $('w-name').value.trim(), email: $('w-email').value.trim(), day: day };
      if ($('w-org').value) body.organisation = Number($('w-org').value);
      send('walk-ins', body, body.name);
      say('Walk-in: ' + body.name + ' (sending)', true);
      $('walkin-form').reset();
    });
    $('scan').addEventListener('click', startScan);
    $('scan-stop').addEventListener('click', stopScan);
    $('scan').hidden = !(await scanSupported());
    window.addEventListener('online', flush);
    setInterval(flush, 3000);
    if (!secret() && !csrf()) {
      showLogin('');
      return;
    }
    await load();
    flush();
  });
})();
